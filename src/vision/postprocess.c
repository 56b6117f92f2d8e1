/* Classifier outputs to labels: softmax, top-k with a stable order, threshold. */
#include "config.h"

#include <math.h>

#include "vision.h"

int amass_vision_is_distribution(const float *scores, size_t n)
{
    double sum = 0;
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        if (!(scores[i] >= 0.0f && scores[i] <= 1.0f))
            return 0;
        sum += scores[i];
    }
    return fabs(sum - 1.0) <= 1e-3;
}

void amass_vision_softmax(float *scores, size_t n)
{
    float max;
    double sum = 0;
    size_t i;
    if (n == 0)
        return;
    max = scores[0];
    for (i = 1; i < n; i++)
        if (scores[i] > max)
            max = scores[i];
    for (i = 0; i < n; i++) {
        double e = exp((double)scores[i] - (double)max);
        scores[i] = (float)e;
        sum += e;
    }
    for (i = 0; i < n; i++)
        scores[i] = (float)(scores[i] / sum);
}

/* Insertion into a short sorted list: k is a handful (5 by default), so
 * n * k comparisons beat sorting all n classes. A new score goes after
 * every kept score that is >= it, which keeps ties in index order. */
size_t amass_vision_top_k(const float *scores, size_t n, size_t k, float threshold, amass_vision_class_score *out)
{
    size_t count = 0, i, at;
    if (k == 0)
        return 0;
    for (i = 0; i < n; i++) {
        float score = scores[i];
        if (!(score >= threshold))
            continue;
        if (count == k && !(score > out[k - 1].score))
            continue;
        at = count < k ? count : k - 1;
        while (at > 0 && out[at - 1].score < score) {
            out[at] = out[at - 1];
            at--;
        }
        out[at].index = i;
        out[at].score = score;
        if (count < k)
            count++;
    }
    return count;
}
