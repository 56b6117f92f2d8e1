// Times one TF.js model (graph or layers model.json) in TensorFlow.js the
// way nn-bench.c times it in amass, for scripts/bench/classify: the same
// random input (nn-bench's generator), warm-up and repeat policy, and the
// same output lines ("batch B runs R median_s ... images_per_s ...").
//
//   node nn-tfjs.js MODULES_DIR MODEL.json DIMS BATCHES WARMUP REPEAT [BACKEND [OUTPUTS]]
//
// OUTPUTS (comma-separated names) runs the model up to those tensors only:
// graph nodes, as a manifest's "outputs" makes amass import it, or layers
// of a layers model (a manifest's "features" layer: the image embedding).
// DIMS are the input's dimensions after the batch ("416x416x3"). BACKEND is
// wasm (default: XNNPACK with SIMD, the fastest TF.js backend that installs
// here; in node it runs one thread, as the wasm build's threads need a
// browser's SharedArrayBuffer workers) or cpu (plain JavaScript, the
// reference the parity tests use). MODULES_DIR holds @tensorflow/tfjs and
// @tensorflow/tfjs-backend-wasm (scripts/install-bench-deps). The model's
// files are read from disk and handed to TF.js whole, so no network or
// fetch polyfill is involved. Errors: one line on stderr, exit 1.
'use strict';
const fs = require('fs');
const path = require('path');
const { randomInput, reportLine } = require('./bench-input.js');


// An IOHandler over the files beside model.json, the shards of each group
// concatenated in manifest order as TF.js lays them out.
function fileHandler(modelPath) {
    return {
        load: async () => {
            const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
            const directory = path.dirname(modelPath);
            const shards = [];
            const specs = [];
            for (const group of json.weightsManifest) {
                for (const shard of group.paths)
                    shards.push(fs.readFileSync(path.join(directory, shard)));
                specs.push(...group.weights);
            }
            const weights = Buffer.concat(shards);
            const artifacts = {
                modelTopology: json.modelTopology,
                weightSpecs: specs,
                weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
            };
            // Only the fields the file has: TF.js reads some of them
            // (a layers model's) without checking they exist.
            for (const key of ['format', 'generatedBy', 'convertedBy', 'signature', 'userDefinedMetadata'])
                if (json[key] !== undefined)
                    artifacts[key] = json[key];
            return artifacts;
        },
    };
}

async function main() {
    if (process.argv.length < 8 || process.argv.length > 10) {
        console.error('usage: node nn-tfjs.js MODULES_DIR MODEL.json DIMS BATCHES WARMUP REPEAT [wasm|cpu [OUTPUTS]]');
        process.exit(2);
    }
    const [modules, model, dimsText, batchesText, warmupText, repeatText] = process.argv.slice(2, 8);
    const backend = process.argv[8] || 'wasm';
    const outputs = process.argv[9] ? process.argv[9].split(',') : undefined;
    const tf = require(path.join(modules, '@tensorflow/tfjs'));
    if (backend === 'wasm') {
        const wasm = require(path.join(modules, '@tensorflow/tfjs-backend-wasm'));
        wasm.setWasmPaths(path.join(modules, '@tensorflow/tfjs-backend-wasm/dist') + '/');
    }
    if (!(await tf.setBackend(backend)))
        throw new Error('TF.js backend ' + backend + ' did not start');
    await tf.ready();
    const dims = dimsText.split('x').map(Number);
    const warmup = Number(warmupText);
    const repeat = Number(repeatText);

    const started = process.hrtime.bigint();
    // Older converters write no "format": a Keras topology makes a layers model.
    const json = JSON.parse(fs.readFileSync(model, 'utf8'));
    const layers = json.format === 'layers-model' || (json.format === undefined && json.modelTopology &&
                                                       json.modelTopology.model_config !== undefined);
    let net = layers ? await tf.loadLayersModel(fileHandler(model)) : await tf.loadGraphModel(fileHandler(model));
    if (layers && outputs)
        net = tf.model({inputs: net.inputs, outputs: outputs.map((name) => net.getLayer(name).output)});
    console.log('load_s ' + (Number(process.hrtime.bigint() - started) / 1e9).toFixed(3) + ' version ' +
                tf.version.tfjs + ' backend ' + backend + ' simd ' + tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));


    for (const batch of batchesText.split(',').map(Number)) {
        const shape = [batch].concat(dims);
        const count = shape.reduce((a, b) => a * b, 1);
        const data = randomInput(count);
        const input = tf.tensor(data, shape);
        const times = [];
        for (let run = -warmup; run < repeat; run++) {
            const runStarted = process.hrtime.bigint();
            const result = layers ? net.predict(input) : net.execute(input, outputs);
            // Reading every output back is part of the run: TF.js may defer work until then.
            for (const output of Array.isArray(result) ? result : [result]) {
                output.dataSync();
                output.dispose();
            }
            if (run >= 0)
                times.push(Number(process.hrtime.bigint() - runStarted) / 1e9);
        }
        input.dispose();
        console.log(reportLine(batch, times));
    }
}

main().catch((error) => {
    console.error(String(error && error.message ? error.message : error).split('\n')[0]);
    process.exit(1);
});
