// What the node timing drivers (nn-ort.js, nn-tfjs.js) share with
// nn-bench.c: its input generator, so every runtime is fed the same
// numbers, and the median the timings report.
'use strict';

// xorshift64 as nn-bench.c has it: uniform [0, 1), never all zeros.
function randomInput(count) {
    let state = 0x2545f4914f6cdd1dn;
    const mask = (1n << 64n) - 1n;
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
        state ^= (state << 13n) & mask;
        state ^= state >> 7n;
        state ^= (state << 17n) & mask;
        data[i] = Number(state >> 40n) / 16777216;
    }
    return data;
}

function median(sorted) {
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
}

// The line scripts/bench/nn parses: "batch B runs R median_s M best_s S images_per_s I".
function reportLine(batch, times) {
    times.sort((a, b) => a - b);
    const middle = median(times);
    return 'batch ' + batch + ' runs ' + times.length + ' median_s ' + middle.toFixed(6) + ' best_s ' +
           times[0].toFixed(6) + ' images_per_s ' + (batch / middle).toFixed(2);
}

module.exports = { randomInput, median, reportLine };
