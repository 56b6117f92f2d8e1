// Runs each parity model through ONNX Runtime on input.f32 (batch 2,
// 3x32x32) and writes the first output as <model>.ort.f32, raw float32
// little-endian: the reference the engine is checked against.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

async function main() {
    const dir = process.argv[2];
    const bytes = fs.readFileSync(path.join(dir, 'input.f32'));
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    for (const name of process.argv.slice(3)) {
        const session = await ort.InferenceSession.create(path.join(dir, name + '.onnx'));
        const feeds = {};
        feeds[session.inputNames[0]] = new ort.Tensor('float32', data, [2, 3, 32, 32]);
        const results = await session.run(feeds);
        const output = results[session.outputNames[0]];
        fs.writeFileSync(path.join(dir, name + '.ort.f32'), Buffer.from(output.data.buffer, output.data.byteOffset,
                                                                       output.data.byteLength));
        console.log(name, output.dims.join('x'));
    }
}

main().catch((error) => { console.error(error); process.exit(1); });
