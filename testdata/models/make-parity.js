// Runs tiny-resnet/model.onnx through ONNX Runtime on tiny-resnet/scene.f32
// (scene.png as amass's preprocess gives it: 1x3x32x32 float32,
// little-endian) and writes the raw scores, one per line, as
// tiny-resnet/scene.ort.txt: the reference amass-classify --softmax no is
// checked against in tests/cli/classify.cases. Needs onnxruntime-node
// (npm install onnxruntime-node; NODE_PATH pointing at it).
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

async function main() {
    const dir = path.join(__dirname, 'tiny-resnet');
    const bytes = fs.readFileSync(path.join(dir, 'scene.f32'));
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
    const feeds = {};
    feeds[session.inputNames[0]] = new ort.Tensor('float32', data, [1, 3, 32, 32]);
    const results = await session.run(feeds);
    const scores = Array.from(results[session.outputNames[0]].data, (value) => value.toPrecision(9));
    fs.writeFileSync(path.join(dir, 'scene.ort.txt'), scores.join('\n') + '\n');
}

main().catch((error) => { console.error(error); process.exit(1); });
