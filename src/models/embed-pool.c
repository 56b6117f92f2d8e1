/* Pooling a sequence's token states into one vector (mean, first token or
 * maximum over the kept tokens), as sentence-transformers' Pooling module
 * does, and the optional L2 normalisation of its Normalize module. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "embed.h"

void amass_embed_pool(const float *states, const uint8_t *mask, size_t length, size_t hidden,
                      amass_embed_pooling pooling, int normalize, float *out)
{
    size_t t, d, kept = 0;
    if (pooling == AMASS_EMBED_POOLING_CLS) {
        memcpy(out, states, hidden * sizeof *out);
    } else if (pooling == AMASS_EMBED_POOLING_MAX) {
        for (d = 0; d < hidden; d++)
            out[d] = -FLT_MAX;
        for (t = 0; t < length; t++) {
            if (!mask[t])
                continue;
            kept++;
            for (d = 0; d < hidden; d++)
                if (states[t * hidden + d] > out[d])
                    out[d] = states[t * hidden + d];
        }
        if (!kept)
            memset(out, 0, hidden * sizeof *out);
    } else {
        /* sums in double: a 512-token mean in float loses the last digits
         * that batch-versus-single comparisons look at */
        for (d = 0; d < hidden; d++) {
            double sum = 0;
            kept = 0;
            for (t = 0; t < length; t++) {
                if (mask[t]) {
                    sum += states[t * hidden + d];
                    kept++;
                }
            }
            /* sentence-transformers clamps the count to 1e-9: no tokens give zeros */
            out[d] = kept ? (float)(sum / (double)kept) : 0.0f;
        }
    }
    if (normalize) {
        double squares = 0;
        for (d = 0; d < hidden; d++)
            squares += (double)out[d] * out[d];
        /* torch.nn.functional.normalize divides by max(norm, 1e-12) */
        if (squares > 0) {
            double scale = 1.0 / fmax(sqrt(squares), 1e-12);
            for (d = 0; d < hidden; d++)
                out[d] = (float)(out[d] * scale);
        }
    }
}
