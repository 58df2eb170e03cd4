#!/usr/bin/env node
// ONNX export check, onnxruntime side.
//
// README
//
// ann's TestONNXRuntime (onnx_test.go) exports models with
// Network.ExportONNX and runs them here, in Microsoft's onnxruntime through
// the npm package onnxruntime-node, and in onnx's own checker (check.py),
// then compares onnxruntime's outputs with ann's Predict.
//
// Install (idempotent; scripts/onnx/install.sh does both):
//
//   cd scripts/onnx && npm ci --ignore-scripts     # onnxruntime-node, pinned in package-lock.json
//   apt-get update && apt-get install -y python3-onnx
//
// --ignore-scripts skips onnxruntime-node's install script, which only
// downloads optional GPU (CUDA/TensorRT) binaries; the CPU binaries for
// linux x64/arm64, darwin arm64 and win32 x64/arm64 ship inside the npm
// package itself (bin/napi-v6/<os>/<arch>/, about 290 MB unpacked).
//
// Run the tests with the runtimes required, so a missing one fails rather
// than skips:
//
//   ANN_ONNX_REQUIRED=1 ANN_MNIST_DIR=/path/to/mnist go test -run ONNX -count=1 .
//
// Usage:
//
//   node check.js --probe                        prints the onnxruntime version
//   node check.js MODEL.onnx INPUTS.bin ROWS COLS
//
// INPUTS.bin holds ROWS×COLS float32 values, little-endian, row-major. The
// script runs the model once on the whole batch and prints one JSON object
// to stdout: {"version", "outputs": {name: {"dims": [...], "data": [...]}}}
// for every graph output. Numbers are float32 values widened to double, so
// they print exactly. Exit status 3 means onnxruntime-node is not installed.
'use strict';

const fs = require('fs');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  process.stderr.write('onnxruntime-node is not installed: run "npm ci --ignore-scripts" in scripts/onnx (' + String(e.message).split('\n')[0] + ')\n');
  process.exit(3);
}

async function main(argv) {
  if (argv.length === 1 && argv[0] === '--probe') {
    process.stdout.write(JSON.stringify({version: ort.env.versions.common}) + '\n');
    return;
  }
  if (argv.length !== 4) {
    throw new Error('usage: node check.js MODEL.onnx INPUTS.bin ROWS COLS');
  }
  const [modelPath, inputPath] = argv;
  const rows = Number(argv[2]), cols = Number(argv[3]);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new Error('ROWS and COLS must be positive integers');
  }
  const buf = fs.readFileSync(inputPath);
  if (buf.length !== 4 * rows * cols) {
    throw new Error(`${inputPath} has ${buf.length} bytes, want ${4 * rows * cols}`);
  }
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) {
    x[i] = buf.readFloatLE(4 * i);
  }
  // One thread: the check shares a small CI machine, and speed is not measured here.
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const feeds = {};
  feeds[session.inputNames[0]] = new ort.Tensor('float32', x, [rows, cols]);
  const results = await session.run(feeds);
  const outputs = {};
  for (const name of session.outputNames) {
    outputs[name] = {dims: results[name].dims, data: Array.from(results[name].data)};
  }
  process.stdout.write(JSON.stringify({version: ort.env.versions.common, outputs}) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
