# Text encoders (src/models/text_encoder*.c) against PyTorch and ONNX
# Runtime on tiny BERT / RoBERTa / DistilBERT networks that
# tests/parity/embed/make-fixtures made (ONNX and safetensors + config.json).
check_PROGRAMS += tests/parity/embed-parity
TESTS += tests/parity/embed-parity
tests_parity_embed_parity_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/parity/embed/make-fixtures tests/parity/embed/ort-run.js tests/parity/embed/cases.json \
	tests/parity/embed/cases.txt
EXTRA_DIST += \
	tests/parity/embed/bert-a.onnx \
	tests/parity/embed/bert-b.onnx \
	tests/parity/embed/bert-c.onnx \
	tests/parity/embed/distilbert-a.onnx \
	tests/parity/embed/roberta-a.onnx \
	tests/parity/embed/bert-a.b1.ids.i32 \
	tests/parity/embed/bert-a.b1.mask.i32 \
	tests/parity/embed/bert-a.b1.types.i32 \
	tests/parity/embed/bert-a.b3.ids.i32 \
	tests/parity/embed/bert-a.b3.mask.i32 \
	tests/parity/embed/bert-a.b3.types.i32 \
	tests/parity/embed/bert-b.b1.ids.i32 \
	tests/parity/embed/bert-b.b1.mask.i32 \
	tests/parity/embed/bert-b.b1.types.i32 \
	tests/parity/embed/bert-b.b3.ids.i32 \
	tests/parity/embed/bert-b.b3.mask.i32 \
	tests/parity/embed/bert-b.b3.types.i32 \
	tests/parity/embed/bert-c.b1.ids.i32 \
	tests/parity/embed/bert-c.b1.mask.i32 \
	tests/parity/embed/bert-c.b1.types.i32 \
	tests/parity/embed/bert-c.b3.ids.i32 \
	tests/parity/embed/bert-c.b3.mask.i32 \
	tests/parity/embed/bert-c.b3.types.i32 \
	tests/parity/embed/distilbert-a.b1.ids.i32 \
	tests/parity/embed/distilbert-a.b1.mask.i32 \
	tests/parity/embed/distilbert-a.b1.types.i32 \
	tests/parity/embed/distilbert-a.b3.ids.i32 \
	tests/parity/embed/distilbert-a.b3.mask.i32 \
	tests/parity/embed/distilbert-a.b3.types.i32 \
	tests/parity/embed/roberta-a.b1.ids.i32 \
	tests/parity/embed/roberta-a.b1.mask.i32 \
	tests/parity/embed/roberta-a.b1.types.i32 \
	tests/parity/embed/roberta-a.b3.ids.i32 \
	tests/parity/embed/roberta-a.b3.mask.i32 \
	tests/parity/embed/roberta-a.b3.types.i32 \
	tests/parity/embed/bert-a.b1.ort.f32 \
	tests/parity/embed/bert-a.b1.torch.f32 \
	tests/parity/embed/bert-a.b3.ort.f32 \
	tests/parity/embed/bert-a.b3.torch.f32 \
	tests/parity/embed/bert-b.b1.ort.f32 \
	tests/parity/embed/bert-b.b1.torch.f32 \
	tests/parity/embed/bert-b.b3.ort.f32 \
	tests/parity/embed/bert-b.b3.torch.f32 \
	tests/parity/embed/bert-c.b1.ort.f32 \
	tests/parity/embed/bert-c.b1.torch.f32 \
	tests/parity/embed/bert-c.b3.ort.f32 \
	tests/parity/embed/bert-c.b3.torch.f32 \
	tests/parity/embed/distilbert-a.b1.ort.f32 \
	tests/parity/embed/distilbert-a.b1.torch.f32 \
	tests/parity/embed/distilbert-a.b3.ort.f32 \
	tests/parity/embed/distilbert-a.b3.torch.f32 \
	tests/parity/embed/roberta-a.b1.ort.f32 \
	tests/parity/embed/roberta-a.b1.torch.f32 \
	tests/parity/embed/roberta-a.b3.ort.f32 \
	tests/parity/embed/roberta-a.b3.torch.f32 \
	tests/parity/embed/bert-a/config.json \
	tests/parity/embed/bert-a/modules.json \
	tests/parity/embed/bert-b/config.json \
	tests/parity/embed/bert-c/config.json \
	tests/parity/embed/distilbert-a/config.json \
	tests/parity/embed/roberta-a/config.json \
	tests/parity/embed/bert-a/1_Pooling/config.json \
	tests/parity/embed/bert-a/model.safetensors \
	tests/parity/embed/bert-b/model.safetensors \
	tests/parity/embed/bert-c/model.safetensors \
	tests/parity/embed/distilbert-a/model.safetensors \
	tests/parity/embed/roberta-a/model.safetensors
