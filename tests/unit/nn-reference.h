/* Naive reference operators in plain C (NCHW, float, double accumulation)
 * that the nn engine's results are checked against, and helpers to build
 * test graphs through the public builder. */
#ifndef AMASS_TEST_NN_REFERENCE_H
#define AMASS_TEST_NN_REFERENCE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"

static uint64_t reference_seed = 12345;

static inline float reference_random(void)
{
    reference_seed = reference_seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((double)(reference_seed >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static inline float *random_tensor(size_t count, float low, float high)
{
    float *data = malloc(count * sizeof *data + 1);
    for (size_t i = 0; i < count; i++)
        data[i] = low + (high - low) * (reference_random() + 1) / 2;
    return data;
}

typedef struct {
    int stride, pad_top, pad_left, pad_bottom, pad_right, dilation, group;
} conv_params;

/* x[n][c][h][w] * w[o][c/g][kh][kw] + b[o] */
static inline void reference_conv(const float *x, int batch, int channels, int height, int width, const float *weights,
                           int out_channels, int kernel_h, int kernel_w, const float *bias, conv_params p, float *out,
                           int *out_h, int *out_w)
{
    int oh = (height + p.pad_top + p.pad_bottom - p.dilation * (kernel_h - 1) - 1) / p.stride + 1;
    int ow = (width + p.pad_left + p.pad_right - p.dilation * (kernel_w - 1) - 1) / p.stride + 1;
    int in_per_group = channels / p.group, out_per_group = out_channels / p.group;
    for (int n = 0; n < batch; n++)
        for (int o = 0; o < out_channels; o++)
            for (int y = 0; y < oh; y++)
                for (int xo = 0; xo < ow; xo++) {
                    double sum = bias ? bias[o] : 0;
                    int g = o / out_per_group;
                    for (int c = 0; c < in_per_group; c++)
                        for (int ky = 0; ky < kernel_h; ky++)
                            for (int kx = 0; kx < kernel_w; kx++) {
                                int iy = y * p.stride - p.pad_top + ky * p.dilation;
                                int ix = xo * p.stride - p.pad_left + kx * p.dilation;
                                if (iy < 0 || iy >= height || ix < 0 || ix >= width)
                                    continue;
                                sum += (double)x[((size_t)(n * channels + g * in_per_group + c) * height + iy) * width + ix] *
                                       weights[((size_t)(o * in_per_group + c) * kernel_h + ky) * kernel_w + kx];
                            }
                    out[((size_t)(n * out_channels + o) * oh + y) * ow + xo] = (float)sum;
                }
    *out_h = oh;
    *out_w = ow;
}

static inline void reference_batch_norm(float *x, int batch, int channels, int spatial, const float *scale, const float *shift,
                                 const float *mean, const float *variance, float epsilon)
{
    for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < spatial; i++) {
                float *v = &x[((size_t)n * channels + c) * spatial + i];
                *v = (float)((*v - mean[c]) / sqrt((double)variance[c] + epsilon) * scale[c] + shift[c]);
            }
}

static inline void reference_clip(float *x, size_t count, float low, float high)
{
    for (size_t i = 0; i < count; i++)
        x[i] = x[i] < low ? low : x[i] > high ? high : x[i];
}

static inline float reference_sigmoid(float v)
{
    return (float)(1 / (1 + exp(-(double)v)));
}

static inline void reference_add(float *x, const float *y, size_t count)
{
    for (size_t i = 0; i < count; i++)
        x[i] += y[i];
}

/* max or average pooling; average excludes padding */
static inline void reference_pool(const float *x, int batch, int channels, int height, int width, int kernel, int stride,
                           int pad, int is_max, float *out, int *out_h, int *out_w)
{
    int oh = (height + 2 * pad - kernel) / stride + 1, ow = (width + 2 * pad - kernel) / stride + 1;
    for (int n = 0; n < batch * channels; n++)
        for (int y = 0; y < oh; y++)
            for (int xo = 0; xo < ow; xo++) {
                double acc = is_max ? -INFINITY : 0;
                int count = 0;
                for (int ky = 0; ky < kernel; ky++)
                    for (int kx = 0; kx < kernel; kx++) {
                        int iy = y * stride - pad + ky, ix = xo * stride - pad + kx;
                        if (iy < 0 || iy >= height || ix < 0 || ix >= width)
                            continue;
                        double v = x[((size_t)n * height + iy) * width + ix];
                        acc = is_max ? (v > acc ? v : acc) : acc + v;
                        count++;
                    }
                out[((size_t)n * oh + y) * ow + xo] = (float)(is_max ? acc : acc / count);
            }
    *out_h = oh;
    *out_w = ow;
}

/* out[m][n] = sum_k a[m][k] * b[n][k] + c[n]  (Gemm with transB = 1) */
static inline void reference_gemm_bt(const float *a, const float *b, const float *c, int m, int n, int k, float *out)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double sum = c ? c[j] : 0;
            for (int l = 0; l < k; l++)
                sum += (double)a[(size_t)i * k + l] * b[(size_t)j * k + l];
            out[(size_t)i * n + j] = (float)sum;
        }
}

static inline void reference_softmax_rows(float *x, int rows, int columns)
{
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * columns;
        double max = row[0], sum = 0;
        for (int j = 1; j < columns; j++)
            max = row[j] > max ? row[j] : max;
        for (int j = 0; j < columns; j++)
            sum += exp(row[j] - max);
        for (int j = 0; j < columns; j++)
            row[j] = (float)(exp(row[j] - max) / sum);
    }
}

/* Largest |got - want| over the largest |want| (the output's scale). */
static inline double relative_error(const float *got, const float *want, size_t count)
{
    double worst = 0, scale = 1e-30;
    for (size_t i = 0; i < count; i++) {
        double difference = fabs((double)got[i] - want[i]);
        worst = difference > worst || isnan(difference) ? difference : worst;
        scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    }
    return isnan(worst) ? INFINITY : worst / scale;
}

/* ---- building test graphs ---- */

static inline amass_nn_tensor_type float_type(int rank, const int64_t *dims)
{
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = rank};
    for (int d = 0; d < rank; d++)
        type.dims[d] = dims[d];
    return type;
}

static inline int add_float_constant(amass_nn_graph *graph, const char *name, int rank, const int64_t *dims, const float *data)
{
    amass_status status;
    amass_nn_tensor_type type = float_type(rank, dims);
    return amass_nn_graph_add_constant(graph, name, &type, data, NULL, NULL, &status);
}

static inline int add_int64_constant(amass_nn_graph *graph, const char *name, int count, const int64_t *data)
{
    amass_status status;
    amass_nn_tensor_type type = {.dtype = AMASS_NN_INT64, .rank = 1, .dims = {count}};
    return amass_nn_graph_add_constant(graph, name, &type, data, NULL, NULL, &status);
}

#define NN_ATTR_INTS(attr_name, ...)                                                                               \
    ((amass_nn_attr){.name = (attr_name), .kind = AMASS_NN_ATTR_INTS, .ints = (const int64_t[]){__VA_ARGS__},    \
                     .count = sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)})
#define NN_ATTR_INT(attr_name, value) ((amass_nn_attr){.name = (attr_name), .kind = AMASS_NN_ATTR_INT, .i = (value)})
#define NN_ATTR_FLOAT(attr_name, value)                                                                            \
    ((amass_nn_attr){.name = (attr_name), .kind = AMASS_NN_ATTR_FLOAT, .f = (value)})

static inline int add_node(amass_nn_graph *graph, amass_nn_op op, const char *name, const char *const *inputs, size_t n_inputs,
                    const char *output, const amass_nn_attr *attrs, size_t n_attrs, amass_status *status)
{
    amass_nn_node_spec spec = {.op = op, .name = name, .inputs = inputs, .n_inputs = n_inputs, .outputs = &output,
                               .n_outputs = 1, .attrs = attrs, .n_attrs = n_attrs};
    return amass_nn_graph_add_node(graph, &spec, status);
}

#define NODE(graph, op, name, output, status, ...)                                                                 \
    add_node((graph), (op), (name), (const char *const[]){__VA_ARGS__},                                            \
             sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *), (output), NULL, 0, (status))
#define NODE_ATTRS(graph, op, name, output, attrs, status, ...)                                                    \
    add_node((graph), (op), (name), (const char *const[]){__VA_ARGS__},                                            \
             sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *), (output), (attrs),                       \
             sizeof(attrs) / sizeof((attrs)[0]), (status))

#endif
