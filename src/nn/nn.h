/* libamass nn layer: dense kernels on oneDNN. The graph IR and executor
 * come with the engine; for now the layer holds the matrix products the
 * other layers share. */
#ifndef AMASS_NN_H
#define AMASS_NN_H

#include <stddef.h>

#include "../base/base.h"

/* C[m x n] = alpha * A[m x k] * B[n x k]^T + beta * C, all row-major
 * float32, through oneDNN's sgemm. */
int amass_nn_gemm_abt(size_t m, size_t n, size_t k, float alpha, const float *a, const float *b, float beta,
                      float *c, amass_status *status);

/* Threads oneDNN and the library's parallel loops may use (0: all cores). */
void amass_nn_set_threads(int threads);

#endif
