// Runs a TF.js graph model on TensorFlow.js's cpu backend (the reference
// the importer is compared with) and writes what tfjs-parity checks: per
// output its shape, sum, sum of magnitudes, largest magnitude and a seeded
// sample of elements.
// usage: node tfjs-run.js MODEL.json INPUT.f32 DIMS(comma) SAMPLES OUT.txt
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
    const [modelPath, inputPath, dimsText, samplesText, outPath] = process.argv.slice(2);
    await tf.setBackend('cpu');
    const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
    const directory = path.dirname(modelPath);
    const handler = {
        load: async () => {
            const specs = [];
            const buffers = [];
            for (const group of json.weightsManifest) {
                specs.push(...group.weights);
                for (const shard of group.paths)
                    buffers.push(fs.readFileSync(path.join(directory, shard)));
            }
            const all = Buffer.concat(buffers);
            return {
                modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy,
                convertedBy: json.convertedBy, signature: json.signature, weightSpecs: specs,
                weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
            };
        },
    };
    const model = await tf.loadGraphModel(handler);
    const dims = dimsText.split(',').map(Number);
    const raw = fs.readFileSync(inputPath);
    const input = tf.tensor(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), dims);
    const names = Object.values(json.signature.outputs).map((o) => o.name);
    const outputs = await model.executeAsync(input, names);
    const list = Array.isArray(outputs) ? outputs : [outputs];
    const samples = Number(samplesText);
    let text = '';
    for (let k = 0; k < list.length; k++) {
        const data = await list[k].data();
        let sum = 0, magnitude = 0, largest = 0;
        for (const v of data) {
            sum += v;
            magnitude += Math.abs(v);
            largest = Math.max(largest, Math.abs(v));
        }
        text += `output ${names[k]} ${list[k].shape.join(',')} ${data.length}\n`;
        text += `stats ${sum.toPrecision(12)} ${magnitude.toPrecision(12)} ${largest.toPrecision(9)}\n`;
        // a fixed LCG, so the sample is the same on every run
        let state = 12345 + k;
        const n = Math.min(samples, data.length);
        for (let i = 0; i < n; i++) {
            state = (state * 1103515245 + 12345) % 2147483648;
            const index = n === data.length ? i : state % data.length;
            text += `${index} ${data[index].toPrecision(9)}\n`;
        }
    }
    fs.writeFileSync(outPath, text);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
