/* Matrix products on oneDNN. */
#include "config.h"

#include <oneapi/dnnl/dnnl.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "nn.h"

int amass_nn_gemm_abt(size_t m, size_t n, size_t k, float alpha, const float *a, const float *b, float beta,
                      float *c, amass_status *status)
{
    dnnl_status_t result;
    if (m == 0 || n == 0)
        return AMASS_OK;
    if (m > INT64_MAX || n > INT64_MAX || k > INT64_MAX)
        return amass_fail(status, AMASS_ERR_FATAL, "matrix too large");
    result = dnnl_sgemm('N', 'T', (dnnl_dim_t)m, (dnnl_dim_t)n, (dnnl_dim_t)k, alpha, a, (dnnl_dim_t)k, b,
                        (dnnl_dim_t)k, beta, c, (dnnl_dim_t)n);
    if (result != dnnl_success)
        return amass_fail(status, AMASS_ERR_FATAL, "oneDNN sgemm failed (status %d)", (int)result);
    return AMASS_OK;
}

void amass_nn_set_threads(int threads)
{
#ifdef _OPENMP
    /* oneDNN in Debian runs on OpenMP, so one setting governs both. */
    if (threads > 0)
        omp_set_num_threads(threads);
#else
    (void)threads;
#endif
}
