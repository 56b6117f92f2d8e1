/* Squared distances of blocks of rows to centres as one oneDNN product per
 * block, and the fixed row partition that keeps sums thread-independent. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../nn/nn.h"
#include "internal.h"

/* Partial sums of all slots together stay under this; past it there are
 * fewer slots (less parallel accumulation) rather than more memory. */
#define SLOT_BUDGET_BYTES ((size_t)64 << 20)

size_t amass_row_partition_block_rows(size_t dim, int k)
{
    /* About 512 KB of shifted rows and products per thread, so a block
     * stays in L2 between the product and the centroid sums that read it
     * again. With the centres as the left operand oneDNN runs as fast on
     * 256 rows as on 8192 (measured), so small blocks cost nothing. */
    size_t rows = ((size_t)1 << 17) / (dim + (size_t)k + 1);
    rows &= ~(size_t)63;
    if (rows < 64)
        rows = 64;
    if (rows > 8192)
        rows = 8192;
    return rows;
}

void amass_row_partition_init(amass_row_partition *partition, size_t n, size_t dim, int k, size_t slot_bytes)
{
    size_t slots;
    partition->n = n;
    partition->block_rows = amass_row_partition_block_rows(dim, k);
    partition->n_blocks = (n + partition->block_rows - 1) / partition->block_rows;
    slots = partition->n_blocks < AMASS_CLUSTER_MAX_SLOTS ? partition->n_blocks : AMASS_CLUSTER_MAX_SLOTS;
    if (slot_bytes > 0 && slots > SLOT_BUDGET_BYTES / slot_bytes)
        slots = SLOT_BUDGET_BYTES / slot_bytes;
    /* Each slot's partial sums are cleared and added up once per pass, the
     * adding on one thread: kept under a 32nd of the slot's own rows, they
     * cost little next to reading the rows (64 slots were a quarter of a
     * Lloyd iteration on 10000 784-d rows with k = 10; 8ths left 62 slots
     * there, 32nds leave 15: 0.192 -> 0.170 s on 2 threads, measured). */
    if (slot_bytes > 0 && (double)slots * (double)slot_bytes * 32.0 > (double)n * (double)dim * sizeof(float)) {
        slots = (size_t)((double)n * (double)dim * sizeof(float) / 32.0 / (double)slot_bytes);
        if (slots > partition->n_blocks)
            slots = partition->n_blocks;
    }
    partition->n_slots = slots < 1 ? 1 : (int)slots;
}

size_t amass_row_partition_slot_begin(const amass_row_partition *partition, int slot)
{
    size_t block = (size_t)slot * partition->n_blocks / (size_t)partition->n_slots;
    size_t row = block * partition->block_rows;
    return row < partition->n ? row : partition->n;
}

int amass_distance_table_init(amass_distance_table *table, size_t dim, int capacity, amass_status *status)
{
    memset(table, 0, sizeof *table);
    table->dim = dim;
    table->capacity = capacity;
    table->shift = amass_calloc_array(dim, sizeof *table->shift);
    table->centers = amass_alloc_array((size_t)capacity * dim, sizeof *table->centers);
    table->center_norms = amass_alloc_array((size_t)capacity, sizeof *table->center_norms);
    if (!table->shift || !table->centers || !table->center_norms) {
        amass_distance_table_free(table);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for %d centroids of dimension %zu", capacity, dim);
    }
    return AMASS_OK;
}

int amass_distance_table_go_small(amass_distance_table *table, amass_status *status)
{
    size_t width = ((size_t)table->capacity + 3) & ~(size_t)3;
    table->centers_by_column = amass_calloc_array(table->dim * width, sizeof *table->centers_by_column);
    if (!table->centers_by_column)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for %d centroids of dimension %zu", table->capacity,
                          table->dim);
    return AMASS_OK;
}

void amass_distance_table_free(amass_distance_table *table)
{
    free(table->centers_by_column);
    free(table->shift);
    free(table->centers);
    free(table->center_norms);
    memset(table, 0, sizeof *table);
}

/* Four vectors of four partial sums: independent additions instead of one
 * chain of dependent ones, which bounded the loop at one add per add
 * latency (38% of a 784-d Lloyd run with a single accumulator, measured).
 * The 16 lanes are combined in a fixed order, so the result depends only
 * on dim. GNU vector types: plain C arrays here stay in memory at -O2. */
typedef float float4 __attribute__((vector_size(16)));

static float4 load4(const float *p)
{
    float4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static float shifted_norm(const float *row, const float *shift, float *out, size_t dim)
{
    float4 lane0 = {0, 0, 0, 0}, lane1 = lane0, lane2 = lane0, lane3 = lane0;
    float norm = 0;
    size_t j = 0;
    for (; j + 16 <= dim; j += 16) {
        float4 v0 = load4(row + j) - load4(shift + j);
        float4 v1 = load4(row + j + 4) - load4(shift + j + 4);
        float4 v2 = load4(row + j + 8) - load4(shift + j + 8);
        float4 v3 = load4(row + j + 12) - load4(shift + j + 12);
        memcpy(out + j, &v0, sizeof v0);
        memcpy(out + j + 4, &v1, sizeof v1);
        memcpy(out + j + 8, &v2, sizeof v2);
        memcpy(out + j + 12, &v3, sizeof v3);
        lane0 += v0 * v0;
        lane1 += v1 * v1;
        lane2 += v2 * v2;
        lane3 += v3 * v3;
    }
    for (; j < dim; j++) {
        float v = row[j] - shift[j];
        out[j] = v;
        norm += v * v;
    }
    lane0 = (lane0 + lane1) + (lane2 + lane3);
    return norm + ((lane0[0] + lane0[1]) + (lane0[2] + lane0[3]));
}

void amass_distance_table_set(amass_distance_table *table, const float *centers, int k, const float *shift)
{
    size_t dim = table->dim;
    table->k = k;
    if (shift) {
        memcpy(table->shift, shift, dim * sizeof *shift);
    } else {
        for (size_t j = 0; j < dim; j++) {
            double sum = 0;
            for (int c = 0; c < k; c++)
                sum += centers[(size_t)c * dim + j];
            table->shift[j] = (float)(sum / k);
        }
    }
    table->largest_norm = 0;
    for (int c = 0; c < k; c++) {
        table->center_norms[c] =
            shifted_norm(centers + (size_t)c * dim, table->shift, table->centers + (size_t)c * dim, dim);
        if (table->center_norms[c] > table->largest_norm)
            table->largest_norm = table->center_norms[c];
    }
    if (table->centers_by_column) {
        size_t width = ((size_t)k + 3) & ~(size_t)3;
        for (size_t j = 0; j < dim; j++)
            for (size_t c = 0; c < width; c++)
                table->centers_by_column[j * width + c] = c < (size_t)k ? table->centers[c * dim + j] : 0;
    }
}

int amass_distance_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int amass_distance_thread_index(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

amass_distance_scratch *amass_distance_scratch_new(int count, size_t block_rows, size_t dim, int capacity,
                                                   amass_status *status)
{
    amass_distance_scratch *scratch = amass_calloc_array((size_t)count, sizeof *scratch);
    if (!scratch)
        goto nomem;
    for (int t = 0; t < count; t++) {
        scratch[t].block_rows = block_rows;
        scratch[t].rows = amass_alloc_array(block_rows * dim, sizeof(float));
        scratch[t].row_norms = amass_alloc_array(block_rows, sizeof(float));
        scratch[t].products = amass_alloc_array(block_rows * (size_t)capacity, sizeof(float));
        scratch[t].best = amass_alloc_array(block_rows, sizeof(float));
        scratch[t].second = amass_alloc_array(block_rows, sizeof(float));
        scratch[t].labels = amass_alloc_array(block_rows, sizeof(int32_t));
        if (!scratch[t].rows || !scratch[t].row_norms || !scratch[t].products || !scratch[t].best || !scratch[t].second ||
            !scratch[t].labels) {
            amass_distance_scratch_free(scratch, count);
            goto nomem;
        }
    }
    return scratch;
nomem:
    amass_fail(status, AMASS_ERR_NOMEM, "out of memory for %d blocks of %zu rows", count, block_rows);
    return NULL;
}

void amass_distance_scratch_free(amass_distance_scratch *scratch, int count)
{
    if (!scratch)
        return;
    for (int t = 0; t < count; t++) {
        free(scratch[t].rows);
        free(scratch[t].row_norms);
        free(scratch[t].products);
        free(scratch[t].best);
        free(scratch[t].second);
        free(scratch[t].labels);
    }
    free(scratch);
}

/* Four rows (row[0..3]) against eight centres from column c0 of the
 * transposed centres; out[r][v] holds row r against centres c0 + 4v to c0 + 4v + 3. */
static void small_tile8(const amass_distance_table *table, size_t width, size_t c0, const float *const row[4],
                        float4 out[4][2])
{
    float4 zero = {0, 0, 0, 0};
    float4 a0 = zero, a1 = zero, b0 = zero, b1 = zero, e0 = zero, e1 = zero, f0 = zero, f1 = zero;
    const float *column = table->centers_by_column + c0;
    for (size_t j = 0; j < table->dim; j++, column += width) {
        float4 low = load4(column), high = load4(column + 4);
        float x0 = row[0][j], x1 = row[1][j], x2 = row[2][j], x3 = row[3][j];
        a0 += x0 * low;
        a1 += x0 * high;
        b0 += x1 * low;
        b1 += x1 * high;
        e0 += x2 * low;
        e1 += x2 * high;
        f0 += x3 * low;
        f1 += x3 * high;
    }
    out[0][0] = a0, out[0][1] = a1, out[1][0] = b0, out[1][1] = b1;
    out[2][0] = e0, out[2][1] = e1, out[3][0] = f0, out[3][1] = f1;
}

static void small_tile4(const amass_distance_table *table, size_t width, size_t c0, const float *const row[4],
                        float4 out[4][2])
{
    float4 a0 = {0, 0, 0, 0}, b0 = a0, e0 = a0, f0 = a0;
    const float *column = table->centers_by_column + c0;
    for (size_t j = 0; j < table->dim; j++, column += width) {
        float4 low = load4(column);
        a0 += row[0][j] * low;
        b0 += row[1][j] * low;
        e0 += row[2][j] * low;
        f0 += row[3][j] * low;
    }
    out[0][0] = a0, out[1][0] = b0, out[2][0] = e0, out[3][0] = f0;
}

/* The product of amass_nn_gemm_abt with alpha -2, beta 0, for small jobs,
 * where oneDNN's start-up would cost more than the whole run: tiles of
 * four rows and eight (or four) centres held in registers, the centres
 * transposed so each row value is broadcast once (a scalar times a GNU
 * vector is the scalar in every lane). Each product is summed
 * in plain index order. */
static void small_products(const amass_distance_table *table, const float *rows, size_t count, float *products)
{
    size_t dim = table->dim, k = (size_t)table->k, width = (k + 3) & ~(size_t)3;
    for (size_t i = 0; i < count; i += 4) {
        const float *row[4];
        size_t present = count - i < 4 ? count - i : 4;
        for (size_t r = 0; r < 4; r++)
            row[r] = rows + (i + (r < present ? r : 0)) * dim;
        for (size_t c0 = 0; c0 < width;) {
            float4 out[4][2];
            size_t columns = width - c0 >= 8 ? 8 : 4;
            if (columns == 8)
                small_tile8(table, width, c0, row, out);
            else
                small_tile4(table, width, c0, row, out);
            for (size_t c = c0; c < c0 + columns && c < k; c++)
                for (size_t r = 0; r < present; r++)
                    products[c * count + i + r] = -2.0f * out[r][(c - c0) / 4][(c - c0) % 4];
            c0 += columns;
        }
    }
}

int amass_distance_block(const amass_distance_table *table, const float *rows, size_t count,
                         amass_distance_scratch *scratch)
{
    size_t dim = table->dim;
    int k = table->k;
    amass_status status;
    for (size_t i = 0; i < count; i++)
        scratch->row_norms[i] = shifted_norm(rows + i * dim, table->shift, scratch->rows + i * dim, dim);
    if (table->centers_by_column) {
        small_products(table, scratch->rows, count, scratch->products);
    } else {
#ifdef _OPENMP
        /* Inside a region the thread's own copy of nthreads-var is set, so
         * the caller's setting is untouched once the region ends. */
        if (omp_get_level() > 0 && omp_get_max_threads() != 1)
            omp_set_num_threads(1);
#endif
        if (amass_nn_gemm_abt((size_t)k, count, dim, -2.0f, table->centers, scratch->rows, 0.0f, scratch->products,
                              &status) != AMASS_OK)
            return status.code;
    }
    for (int c = 0; c < k; c++) {
        /* restrict and simd: through the scratch struct the compiler must
         * assume products and norms overlap and keeps a scalar loop with a
         * branch (20% of k-means++ on 16-d rows, measured). */
        float *restrict out = scratch->products + (size_t)c * count;
        const float *restrict row_norms = scratch->row_norms;
        float norm = table->center_norms[c];
#pragma omp simd
        for (size_t i = 0; i < count; i++) {
            float d = out[i] + row_norms[i] + norm;
            out[i] = d > 0 ? d : 0;
        }
    }
    return AMASS_OK;
}

double amass_distance_band(const amass_distance_table *table, float row_norm)
{
    /* A float dot product of length dim is off by at most about
     * dim * 2^-24 * (||x||^2 + ||c||^2) / 2; two such distances, the norms
     * and the additions give this bound on how far apart two computed
     * squared distances can be when the true ones are equal. */
    double rounding = (4.0 * (double)table->dim + 16.0) * 0x1.0p-24;
    return rounding * ((double)row_norm + (double)table->largest_norm);
}

void amass_distance_nearest(const amass_distance_table *table, amass_distance_scratch *scratch, size_t count,
                            const float *rows, const float *centers)
{
    size_t dim = table->dim;
    int k = table->k;

    float *restrict best_of = scratch->best;
    float *restrict second_of = scratch->second;
    int32_t *restrict label_of = scratch->labels;

    for (size_t i = 0; i < count; i++) {
        best_of[i] = scratch->products[i];
        second_of[i] = INFINITY;
        label_of[i] = 0;
    }
    /* Centre by centre over all rows, without branches, so the comparisons
     * vectorise (restrict: the scratch arrays never overlap). */
    for (int c = 1; c < k; c++) {
        const float *restrict d = scratch->products + (size_t)c * count;
#pragma omp simd
        for (size_t i = 0; i < count; i++) {
            float value = d[i], best = best_of[i], second = second_of[i];
            int closer = value < best;
            second_of[i] = closer ? best : value < second ? value : second;
            best_of[i] = closer ? value : best;
            label_of[i] = closer ? c : label_of[i];
        }
    }
    for (size_t i = 0; i < count; i++) {
        double band = amass_distance_band(table, scratch->row_norms[i]);
        double best;
        if ((double)scratch->second[i] - (double)scratch->best[i] > band)
            continue;
        best = INFINITY;
        for (int c = 0; c < k; c++) {
            double exact;
            if ((double)scratch->products[(size_t)c * count + i] > (double)scratch->best[i] + band)
                continue;
            exact = amass_squared_distance(rows + i * dim, centers + (size_t)c * dim, dim);
            if (exact < best) {
                best = exact;
                scratch->labels[i] = c;
            }
        }
    }
}

double amass_squared_distance(const float *a, const float *b, size_t dim)
{
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (size_t j = 0; j < dim; j++) {
        double v = (double)a[j] - (double)b[j];
        sum += v * v;
    }
    return sum;
}

int amass_cluster_column_means(const float *data, size_t n, size_t dim, float *mean, double *variance,
                               amass_status *status)
{
    amass_row_partition partition;
    double *partial, *mean_double;
    amass_row_partition_init(&partition, n, dim, 0, dim * sizeof(double));
    partial = amass_calloc_array((size_t)partition.n_slots * dim, sizeof *partial);
    mean_double = amass_calloc_array(dim, sizeof *mean_double);
    if (!partial || !mean_double) {
        free(partial);
        free(mean_double);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the column means of %zu features", dim);
    }
    /* Two passes (mean, then squared deviations) as numpy's var does;
     * E[x^2] - E[x]^2 in one pass loses the variance of data far from 0. */
#pragma omp parallel for schedule(dynamic, 1) if (amass_cluster_parallel(n, dim, 1))
    for (int slot = 0; slot < partition.n_slots; slot++) {
        double *sum = partial + (size_t)slot * dim;
        size_t end = amass_row_partition_slot_begin(&partition, slot + 1);
        for (size_t i = amass_row_partition_slot_begin(&partition, slot); i < end; i++)
            for (size_t j = 0; j < dim; j++)
                sum[j] += data[i * dim + j];
    }
    for (int slot = 0; slot < partition.n_slots; slot++)
        for (size_t j = 0; j < dim; j++)
            mean_double[j] += partial[(size_t)slot * dim + j];
    for (size_t j = 0; j < dim; j++) {
        mean_double[j] = n ? mean_double[j] / (double)n : 0;
        if (mean)
            mean[j] = (float)mean_double[j];
    }
    if (variance) {
        double total = 0;
        memset(partial, 0, (size_t)partition.n_slots * dim * sizeof *partial);
#pragma omp parallel for schedule(dynamic, 1) if (amass_cluster_parallel(n, dim, 1))
        for (int slot = 0; slot < partition.n_slots; slot++) {
            double *sum = partial + (size_t)slot * dim;
            size_t end = amass_row_partition_slot_begin(&partition, slot + 1);
            for (size_t i = amass_row_partition_slot_begin(&partition, slot); i < end; i++)
                for (size_t j = 0; j < dim; j++) {
                    double v = data[i * dim + j] - mean_double[j];
                    sum[j] += v * v;
                }
        }
        for (size_t j = 0; j < dim; j++) {
            double column = 0;
            for (int slot = 0; slot < partition.n_slots; slot++)
                column += partial[(size_t)slot * dim + j];
            total += n ? column / (double)n : 0;
        }
        *variance = dim ? total / (double)dim : 0;
    }
    free(partial);
    free(mean_double);
    return AMASS_OK;
}
