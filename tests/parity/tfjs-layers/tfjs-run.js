// Runs a TF.js layers model (model.json + shards) on the TensorFlow.js cpu
// backend: the reference the engine's outputs are compared with.
//
//   node tfjs-run.js MODEL_DIR PIXELS.rgb SIZE OUT_PREFIX LAYER...
//
// PIXELS.rgb: SIZE x SIZE x 3 bytes (RGB, rows top down); the input is
// pixels / 255 as NHWC float32, as nsfwjs feeds its models. Writes
// OUT_PREFIX.<layer>.f32 (raw float32, little-endian) for each LAYER.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
    const [dir, pixelsFile, sizeText, prefix, ...layers] = process.argv.slice(2);
    const size = Number(sizeText);
    await tf.setBackend('cpu');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const specs = [], buffers = [];
    for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
    }
    const bytes = Buffer.concat(buffers);
    const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
    const pixels = fs.readFileSync(pixelsFile);
    if (pixels.length !== size * size * 3) throw new Error(`${pixelsFile}: ${pixels.length} bytes, not ${size}x${size}x3`);
    const input = tf.tensor4d(Float32Array.from(pixels), [1, size, size, 3]).div(tf.scalar(255));
    const probe = tf.model({ inputs: model.inputs, outputs: layers.map((name) => model.getLayer(name).output) });
    let outputs = probe.predict(input);
    if (!Array.isArray(outputs)) outputs = [outputs];
    layers.forEach((name, k) => {
        const values = outputs[k].dataSync();
        fs.writeFileSync(`${prefix}.${name}.f32`, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    });
}

main().catch((error) => {
    process.stderr.write(`tfjs-run: ${error.message}\n`);
    process.exit(1);
});
