#!/usr/bin/env bash
# Int8 inference side by side, in one sitting: ann's quantized network (static and dynamic) against float32
# ann and against PyTorch's quantize_dynamic of the same trained network, every process started with its
# thread count set in the environment. Trains the default `ann mnist` network (10 epochs, about 10 s on
# 2 cores) unless MODEL_DIR names one already trained.
#
#   ANN_MNIST_DIR=../shared/mnist scripts/int8/compare.sh            # THREADS="1", ROUNDS=3 by default
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
# ROUNDS alternating rounds of every measurement (default 3); the summary takes each side's best, as the
# host's speed drifts between processes.
ROUNDS=${ROUNDS:-3}
for t in $THREADS; do
  : > "$w/all.$t"
  for r in $(seq "$ROUNDS"); do
    for m in "$model" "$w/m.static.ann" "$w/m.dynamic.ann"; do
      GOMAXPROCS=$t "$w/ann" bench -model "$m" -threads "$t" -json -quiet -time 1s |
        /usr/bin/python3 -c 'import json,sys
d=json.loads(sys.stdin.read().strip().splitlines()[-1])["model"]
name = "ann-int8-" + d["quantize_mode"] if d.get("quantized") else "ann-float32"
print("%s %.0f %.0f" % (name, d["batch1_samples_per_second"], d["batch_samples_per_second"]))' >> "$w/all.$t"
    done
    /usr/bin/python3 "$here/torch_int8.py" --onnx "$w/m.onnx" --data "$ANN_MNIST_DIR" --threads "$t" 2>/dev/null |
      tee -a "$w/torch.$t" |
      sed -n 's/^torch .*engine=\([a-z]*\):.*batch1=\([0-9]*\) batch1000=\([0-9]*\).*/torch-int8-\1 \2 \3/p' >> "$w/all.$t"
  done
  sort -u "$w/torch.$t" | grep accuracy | sed 's/ batch1=.*//' | sort -u
  echo "best of $ROUNDS rounds, $t thread(s): samples/s at batch 1 (µs per prediction) and batch 1000"
  awk '{if ($2 > b1[$1]) b1[$1] = $2; if ($3 > b2[$1]) b2[$1] = $3}
    END {for (k in b1) printf "%-20s batch1 %8.0f (%6.1f µs)  batch1000 %8.0f\n", k, b1[k], 1e6/b1[k], b2[k]
      if ("ann-int8-static" in b2 && "ann-float32" in b2) printf "int8 static / float32 ann at batch 1000: %.2f\n", b2["ann-int8-static"]/b2["ann-float32"]
      if ("ann-int8-static" in b2 && "torch-int8-onednn" in b2) printf "int8 static / PyTorch int8 (onednn) at batch 1000: %.2f\n", b2["ann-int8-static"]/b2["torch-int8-onednn"]
      if ("ann-int8-dynamic" in b2 && "torch-int8-onednn" in b2) printf "int8 dynamic / PyTorch int8 (onednn) at batch 1000: %.2f\n", b2["ann-int8-dynamic"]/b2["torch-int8-onednn"]
    }' "$w/all.$t" | sort
done
