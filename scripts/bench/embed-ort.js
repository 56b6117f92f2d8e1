// Times a text encoder (.onnx taking input_ids, attention_mask and maybe
// token_type_ids, int64 [batch, length]) in ONNX Runtime the way
// embed-bench.c times it in amass, for scripts/bench/embed: random ids,
// the same warm-up and repeat policy and thread count, the same output line.
//
//   node embed-ort.js MODULES_DIR MODEL.onnx THREADS BATCH LENGTH WARMUP REPEAT
'use strict';
const path = require('path');

async function main() {
    if (process.argv.length !== 9) {
        console.error('usage: node embed-ort.js MODULES_DIR MODEL.onnx THREADS BATCH LENGTH WARMUP REPEAT');
        process.exit(2);
    }
    const [modules, model, threadsText, batchText, lengthText, warmupText, repeatText] = process.argv.slice(2);
    const ort = require(path.join(modules, 'onnxruntime-node'));
    const [threads, batch, length, warmup, repeat] = [threadsText, batchText, lengthText, warmupText, repeatText].map(Number);
    const options = {executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1,
                     executionMode: 'sequential'};
    if (threads > 0)
        options.intraOpNumThreads = threads;
    const started = process.hrtime.bigint();
    const session = await ort.InferenceSession.create(model, options);
    console.log('load_s ' + (Number(process.hrtime.bigint() - started) / 1e9).toFixed(3));
    const count = batch * length;
    const ids = new BigInt64Array(count), mask = new BigInt64Array(count), types = new BigInt64Array(count);
    let state = 12345;
    for (let i = 0; i < count; i++) {
        state = (state * 1103515245 + 12345) % 2147483648;
        ids[i] = BigInt(1 + state % 999);
        mask[i] = 1n;
    }
    const feeds = {};
    const all = {input_ids: ids, attention_mask: mask, token_type_ids: types};
    for (const name of session.inputNames)
        feeds[name] = new ort.Tensor('int64', all[name], [batch, length]);
    const times = [];
    for (let r = -warmup; r < repeat; r++) {
        const begin = process.hrtime.bigint();
        await session.run(feeds);
        if (r >= 0)
            times.push(Number(process.hrtime.bigint() - begin) / 1e9);
    }
    times.sort((a, b) => a - b);
    const middle = times.length >> 1;
    const median = times.length % 2 ? times[middle] : 0.5 * (times[middle - 1] + times[middle]);
    console.log(`batch ${batch} length ${length} median_s ${median.toFixed(6)} best_s ${times[0].toFixed(6)} ` +
                `sentences_per_s ${(batch / median).toFixed(2)}`);
}

main().catch((error) => { console.error(String(error && error.message || error).split('\n')[0]); process.exit(1); });
