// Runs parity cases through ONNX Runtime and writes every output of each,
// concatenated in the graph's output order as raw float32 little-endian,
// to <dir>/<name>.ort.f32: the reference the engine is checked against.
// Arguments: the fixture directory, then cases "name=model.onnx:B,C,H,W"
// (the input is <dir>/<name>.input.f32 of that shape).
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

async function main() {
    const dir = process.argv[2];
    for (const spec of process.argv.slice(3)) {
        const [name, rest] = spec.split('=');
        const colon = rest.lastIndexOf(':');
        const model = rest.slice(0, colon);
        const dims = rest.slice(colon + 1).split(',').map(Number);
        const bytes = fs.readFileSync(path.join(dir, name + '.input.f32'));
        const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1});
        const feeds = {};
        feeds[session.inputNames[0]] = new ort.Tensor('float32', data, dims);
        const results = await session.run(feeds);
        const parts = [];
        for (const output of session.outputNames) {
            const tensor = results[output];
            parts.push(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
            console.log(name, output, tensor.dims.join('x'));
        }
        fs.writeFileSync(path.join(dir, name + '.ort.f32'), Buffer.concat(parts));
    }
}

main().catch((error) => { console.error(error); process.exit(1); });
