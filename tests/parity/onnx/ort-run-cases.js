// Runs the cases a JSON listing names (model, input files with their
// dimensions, output file) through ONNX Runtime and writes each case's
// first output, raw float32 little-endian: the engine's reference.
// Usage: node ort-run-cases.js DIR LISTING.json
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readFloats(file) {
    const bytes = fs.readFileSync(file);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

async function main() {
    const dir = process.argv[2];
    const cases = JSON.parse(fs.readFileSync(path.join(dir, process.argv[3]), 'utf8'));
    for (const entry of cases) {
        const session = await ort.InferenceSession.create(path.join(dir, entry.model));
        const feeds = {};
        entry.inputs.forEach((input, i) => {
            feeds[session.inputNames[i]] = new ort.Tensor('float32', readFloats(path.join(dir, input.file)), input.dims);
        });
        const results = await session.run(feeds);
        const output = results[session.outputNames[0]];
        fs.writeFileSync(path.join(dir, entry.output), Buffer.from(output.data.buffer, output.data.byteOffset,
                                                                  output.data.byteLength));
        console.log(entry.output, output.dims.join('x'));
    }
}

main().catch((error) => { console.error(error); process.exit(1); });
