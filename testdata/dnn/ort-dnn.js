// Runs testdata/dnn's network through ONNX Runtime on spliced windows:
// node ort-dnn.js MODEL.onnx WINDOWS.f32 N_ROWS OUT.f32. Writes the first
// output, raw float32 little-endian: the reference for test-speech-dnn.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
    const [model, windowsPath, rowsText, outPath] = process.argv.slice(2);
    const bytes = fs.readFileSync(windowsPath);
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const rows = Number(rowsText);
    const session = await ort.InferenceSession.create(model);
    const feeds = {};
    feeds[session.inputNames[0]] = new ort.Tensor('float32', data, [rows, data.length / rows]);
    const results = await session.run(feeds);
    const output = results[session.outputNames[0]];
    fs.writeFileSync(outPath, Buffer.from(output.data.buffer, output.data.byteOffset, output.data.byteLength));
    console.log('ort', output.dims.join('x'));
}

main().catch((error) => { console.error(error); process.exit(1); });
