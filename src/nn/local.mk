libamass_a_SOURCES += src/nn/nn.h src/nn/gemm.c
