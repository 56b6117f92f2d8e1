// Times one ONNX model in ONNX Runtime (onnxruntime-node) the way
// nn-bench.c times it in amass, for scripts/bench/nn: the same random
// input shape, warm-up and repeat policy and thread count, and the same
// output lines ("batch B runs R median_s ... images_per_s ...").
//
//   node nn-ort.js MODULES_DIR MODEL.onnx CxHxW THREADS BATCHES WARMUP REPEAT
//
// MODULES_DIR is the node_modules holding onnxruntime-node (installed by
// scripts/install-bench-deps). Errors: one line on stderr, exit 1.
'use strict';
const path = require('path');
const { randomInput, reportLine } = require('./bench-input.js');


async function main() {
    if (process.argv.length !== 9) {
        console.error('usage: node nn-ort.js MODULES_DIR MODEL.onnx CxHxW THREADS BATCHES WARMUP REPEAT');
        process.exit(2);
    }
    const [modules, model, dimsText, threadsText, batchesText, warmupText, repeatText] = process.argv.slice(2);
    const ort = require(path.join(modules, 'onnxruntime-node'));
    const dims = dimsText.split('x').map(Number);
    const threads = Number(threadsText);
    const warmup = Number(warmupText);
    const repeat = Number(repeatText);

    const started = process.hrtime.bigint();
    // The settings a user tuning ONNX Runtime for throughput on one model
    // would pick: every graph optimisation, intra-op threads = our threads,
    // no inter-op parallelism (amass runs the ops of a graph in order too).
    const options = {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        interOpNumThreads: 1,
        executionMode: 'sequential',
    };
    if (threads > 0)
        options.intraOpNumThreads = threads;
    const session = await ort.InferenceSession.create(model, options);
    console.log('load_s ' + (Number(process.hrtime.bigint() - started) / 1e9).toFixed(3) + ' version ' +
                (ort.env.versions ? ort.env.versions.common : '?'));


    for (const batch of batchesText.split(',').map(Number)) {
        const shape = [batch].concat(dims);
        const count = shape.reduce((a, b) => a * b, 1);
        const data = randomInput(count);
        const feeds = {};
        feeds[session.inputNames[0]] = new ort.Tensor('float32', data, shape);
        const times = [];
        for (let run = -warmup; run < repeat; run++) {
            const runStarted = process.hrtime.bigint();
            await session.run(feeds);
            if (run >= 0)
                times.push(Number(process.hrtime.bigint() - runStarted) / 1e9);
        }
        console.log(reportLine(batch, times));
    }
}

main().catch((error) => {
    console.error(String(error && error.message ? error.message : error).split('\n')[0]);
    process.exit(1);
});
