// Runs each text-encoder case of cases.json through ONNX Runtime: inputs
// <stem>.{ids,mask,types}.i32 (int32 little-endian, [batch, length]),
// given to the model as int64; writes the last hidden state as
// <stem>.ort.f32 (float32 little-endian), the reference amass is checked
// against.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readInt64(file, dims) {
    const bytes = fs.readFileSync(file);
    const values = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

async function main() {
    const dir = process.argv[2];
    const cases = JSON.parse(fs.readFileSync(path.join(dir, process.argv[3]), 'utf8'));
    const tags = {input_ids: 'ids', attention_mask: 'mask', token_type_ids: 'types'};
    for (const c of cases) {
        const session = await ort.InferenceSession.create(path.join(dir, c.model));
        const feeds = {};
        for (const name of c.inputs)
            feeds[name] = readInt64(path.join(dir, c.stem + '.' + tags[name] + '.i32'), [c.batch, c.length]);
        const results = await session.run(feeds);
        const output = results[session.outputNames[0]];
        fs.writeFileSync(path.join(dir, c.stem + '.ort.f32'),
                         Buffer.from(output.data.buffer, output.data.byteOffset, output.data.byteLength));
        console.log(c.stem, output.dims.join('x'));
    }
}

main().catch((error) => { console.error(error); process.exit(1); });
