/* Agreement between two labellings: the adjusted Rand index of Hubert and
 * Arabie (1985), the score scikit-learn's adjusted_rand_score gives. */
#include "config.h"

#include <stdlib.h>

#include "cluster.h"

typedef struct {
    int32_t label;
    size_t index;
} labelled;

static int compare_labelled(const void *a, const void *b)
{
    const labelled *x = a, *y = b;
    if (x->label != y->label)
        return x->label < y->label ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Labels may be any ints: renumber them 0..m-1 by sorting. Returns m, or
 * 0 when out of memory. */
static size_t renumber(const int32_t *labels, size_t n, size_t *dense)
{
    labelled *pairs = amass_alloc_array(n, sizeof *pairs);
    size_t m = 0;
    if (!pairs)
        return 0;
    for (size_t i = 0; i < n; i++) {
        pairs[i].label = labels[i];
        pairs[i].index = i;
    }
    qsort(pairs, n, sizeof *pairs, compare_labelled);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || pairs[i].label != pairs[i - 1].label)
            m++;
        dense[pairs[i].index] = m - 1;
    }
    free(pairs);
    return m;
}

static double pairs_of(double count)
{
    return count * (count - 1) / 2;
}

typedef struct {
    size_t row, column;
} cell;

static int compare_cells(const void *a, const void *b)
{
    const cell *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->column < y->column ? -1 : x->column > y->column;
}

double amass_cluster_adjusted_rand(const int32_t *a, const int32_t *b, size_t n)
{
    size_t *dense_a, *dense_b, rows = 0, columns = 0;
    cell *cells = NULL;
    double *row_sums = NULL, *column_sums = NULL;
    double index = 0, sum_rows = 0, sum_columns = 0, expected, maximum, result = 0;

    if (n < 2)
        return 1.0;
    dense_a = amass_alloc_array(n, sizeof *dense_a);
    dense_b = amass_alloc_array(n, sizeof *dense_b);
    if (!dense_a || !dense_b)
        goto done;
    rows = renumber(a, n, dense_a);
    columns = renumber(b, n, dense_b);
    row_sums = amass_calloc_array(rows, sizeof *row_sums);
    column_sums = amass_calloc_array(columns, sizeof *column_sums);
    cells = amass_alloc_array(n, sizeof *cells);
    if (!rows || !columns || !row_sums || !column_sums || !cells)
        goto done;
    /* The contingency table is sparse: sorting the (row, column) pairs and
     * counting runs needs no rows x columns matrix. */
    for (size_t i = 0; i < n; i++) {
        row_sums[dense_a[i]]++;
        column_sums[dense_b[i]]++;
        cells[i].row = dense_a[i];
        cells[i].column = dense_b[i];
    }
    qsort(cells, n, sizeof *cells, compare_cells);
    for (size_t i = 0, run = 1; i < n; i++, run++)
        if (i + 1 == n || compare_cells(&cells[i + 1], &cells[i]) != 0) {
            index += pairs_of((double)run);
            run = 0;
        }
    for (size_t r = 0; r < rows; r++)
        sum_rows += pairs_of(row_sums[r]);
    for (size_t c = 0; c < columns; c++)
        sum_columns += pairs_of(column_sums[c]);
    expected = sum_rows * sum_columns / pairs_of((double)n);
    maximum = (sum_rows + sum_columns) / 2;
    /* Both one cluster, or both all singletons: scikit-learn calls that
     * perfect agreement rather than 0/0. */
    if (maximum == expected)
        result = 1.0;
    else
        result = (index - expected) / (maximum - expected);
done:
    free(dense_a);
    free(dense_b);
    free(row_sums);
    free(column_sums);
    free(cells);
    return result;
}
