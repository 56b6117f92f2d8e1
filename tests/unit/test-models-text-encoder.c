/* The text encoder's refusals: model directories the test lays out
 * (bert-b's weights from tests/parity/embed with configs that do not fit,
 * missing files, unsupported model types, activations and pooling) fail
 * at open with a message naming the file and the cause. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/embed.h"
#include "tap.h"

static char scratch[] = "/tmp/amass-text-encoder-XXXXXX";

static const char *good_config =
    "{\"model_type\":\"bert\",\"hidden_size\":32,\"num_hidden_layers\":1,\"num_attention_heads\":2,"
    "\"intermediate_size\":48,\"hidden_act\":\"gelu_new\",\"max_position_embeddings\":40,\"type_vocab_size\":2,"
    "\"vocab_size\":300}";

static void write_text(const char *name, const char *text)
{
    char file_path[512];
    snprintf(file_path, sizeof file_path, "%s/%s", scratch, name);
    FILE *file = fopen(file_path, "w");
    fputs(text, file);
    fclose(file);
}

static int copy_weights(void)
{
    char from[4096], to[512], command[8192];
    const char *top = getenv("top_srcdir");
    snprintf(from, sizeof from, "%s/tests/parity/embed/bert-b/model.safetensors", top ? top : ".");
    snprintf(to, sizeof to, "%s/model.safetensors", scratch);
    snprintf(command, sizeof command, "cp '%s' '%s'", from, to);
    return system(command) == 0;
}

/* The open's message after "<scratch>/" (or the whole message). */
static const char *open_message(const char *path)
{
    static amass_status status;
    amass_text_encoder *encoder = NULL;
    memset(&status, 0, sizeof status);
    if (amass_text_encoder_open(path, &encoder, &status) == AMASS_OK) {
        amass_text_encoder_close(encoder);
        return "(opened)";
    }
    size_t length = strlen(scratch);
    return !strncmp(status.message, scratch, length) && status.message[length] == '/' ? status.message + length + 1
                                                                                      : status.message;
}

static void with_config(const char *config, const char *want, const char *label)
{
    write_text("config.json", config);
    is_str(open_message(scratch), want, label);
}

int main(void)
{
    char command[128], want[512];
    if (!mkdtemp(scratch))
        return 2;
    snprintf(want, sizeof want, "%s: no text encoder here (model.onnx, onnx/model.onnx, or model.safetensors + "
                                "config.json)", scratch);
    is_str(open_message(scratch), want, "an empty directory");
    if (!ok(copy_weights(), "bert-b's weights copied"))
        return done_testing();
    snprintf(want, sizeof want, "%s: model.safetensors needs a config.json beside it", scratch);
    is_str(open_message(scratch), want, "weights without config.json");
    with_config(good_config, "(opened)", "the matching config opens");
    with_config("{\"model_type\":\"mpnet\"}",
                "config.json: model_type 'mpnet' is not supported (bert, roberta, xlm-roberta and distilbert are)",
                "an unsupported model type is refused by name");
    with_config("{\"hidden_size\":32}", "config.json: no 'model_type'", "no model type");
    with_config("{\"model_type\":\"bert\",\"hidden_size\":32", "config.json: '}' expected near end of file",
                "config.json that is not JSON");
    with_config("{\"model_type\":\"bert\",\"hidden_size\":32,\"num_attention_heads\":2,\"intermediate_size\":48,"
                "\"max_position_embeddings\":40,\"vocab_size\":300}",
                "config.json: 'num_hidden_layers' is missing", "a missing size");
    with_config("{\"model_type\":\"bert\",\"hidden_size\":32,\"num_hidden_layers\":1,\"num_attention_heads\":3,"
                "\"intermediate_size\":48,\"max_position_embeddings\":40,\"vocab_size\":300}",
                "config.json: a hidden size of 32 does not split into 3 heads", "heads that do not divide");
    with_config("{\"model_type\":\"bert\",\"hidden_size\":48,\"num_hidden_layers\":1,\"num_attention_heads\":2,"
                "\"intermediate_size\":48,\"max_position_embeddings\":40,\"vocab_size\":300}",
                "model.safetensors: tensor 'bert.embeddings.word_embeddings.weight' is not 300x48 as config.json says",
                "a hidden size the weights do not have");
    with_config("{\"model_type\":\"bert\",\"hidden_size\":32,\"num_hidden_layers\":2,\"num_attention_heads\":2,"
                "\"intermediate_size\":48,\"max_position_embeddings\":40,\"vocab_size\":300}",
                "model.safetensors: no tensor 'bert.encoder.layer.1.attention.self.query.weight'",
                "more layers than the weights hold");
    with_config("{\"model_type\":\"bert\",\"hidden_size\":32,\"num_hidden_layers\":1,\"num_attention_heads\":2,"
                "\"intermediate_size\":48,\"max_position_embeddings\":40,\"vocab_size\":300,\"hidden_act\":\"swish\"}",
                "model.safetensors: activation 'swish' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu are)",
                "an unsupported activation");
    with_config("{\"model_type\":\"bert\",\"hidden_size\":32,\"num_hidden_layers\":1,\"num_attention_heads\":2,"
                "\"intermediate_size\":48,\"max_position_embeddings\":40,\"vocab_size\":300,"
                "\"position_embedding_type\":\"relative_key\"}",
                "config.json: position_embedding_type 'relative_key' is not supported (absolute is)",
                "relative positions are refused");
    write_text("config.json", good_config);
    char pooling_dir[512];
    snprintf(pooling_dir, sizeof pooling_dir, "%s/1_Pooling", scratch);
    mkdir(pooling_dir, 0700);
    write_text("1_Pooling/config.json", "{\"pooling_mode_cls_token\":true,\"pooling_mode_mean_tokens\":true}");
    is_str(open_message(scratch),
           "1_Pooling/config.json: the pooling must be exactly one of cls_token, mean_tokens, max_tokens",
           "two pooling modes at once");
    write_text("1_Pooling/config.json", "{\"pooling_mode_max_tokens\":true}");
    amass_status status = {0};
    amass_text_encoder *encoder = NULL;
    amass_text_encoder_info info;
    if (ok(amass_text_encoder_open(scratch, &encoder, &status) == AMASS_OK, "max pooling opens")) {
        amass_text_encoder_get_info(encoder, &info);
        ok(info.pooling == AMASS_EMBED_POOLING_MAX && !info.normalize, "1_Pooling without modules.json is read");
    }
    amass_text_encoder_close(encoder);
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    if (system(command) != 0)
        return 2;
    return done_testing();
}
