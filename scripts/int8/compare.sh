#!/usr/bin/env bash
# Int8 inference side by side, in one sitting: ann's quantized network (static and dynamic) against float32
# ann and against PyTorch's quantize_dynamic of the same trained network, every process started with its
# thread count set in the environment. Trains the default `ann mnist` network (10 epochs, about 10 s on
# 2 cores) unless MODEL_DIR names one already trained.
#
#   ANN_MNIST_DIR=../shared/mnist scripts/int8/compare.sh            # THREADS="1" by default
#
# Needs Debian's /usr/bin/python3 with python3-torch, python3-numpy and python3-onnx.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${ANN_MNIST_DIR:?set ANN_MNIST_DIR to the directory of the MNIST gz files}"
THREADS=${THREADS:-1}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
(cd "$root" && go build -o "$w/ann" ./cmd/ann)
model=${MODEL_DIR:-$w/model}
if [ -z "${MODEL_DIR:-}" ]; then
  "$w/ann" mnist -data "$ANN_MNIST_DIR" -model-dir "$model" -quiet >/dev/null
fi
for mode in static dynamic; do
  "$w/ann" quantize -model "$model" -calib mnist -data "$ANN_MNIST_DIR" -mode "$mode" -out "$w/m.$mode.ann" -quiet >/dev/null
done
"$w/ann" export -model "$model" -onnx "$w/m.onnx" >/dev/null
lscpu | sed -n 's/^Model name: *//p'
for t in $THREADS; do
  for m in "$model" "$w/m.static.ann" "$w/m.dynamic.ann"; do
    GOMAXPROCS=$t "$w/ann" bench -model "$m" -threads "$t" -json -quiet -time 1s |
      /usr/bin/python3 -c 'import json,sys
d=json.loads(sys.stdin.read().strip().splitlines()[-1])["model"]
name = "ann int8 " + d["quantize_mode"] if d.get("quantized") else "ann float32"
print("%-24s batch1 %9.0f  batch1000 %9.0f samples/s  threads=%s" % (name, d["batch1_samples_per_second"], d["batch_samples_per_second"], sys.argv[1]))' "$t"
  done
  /usr/bin/python3 "$here/torch_int8.py" --onnx "$w/m.onnx" --data "$ANN_MNIST_DIR" --threads "$t" 2>/dev/null
done
