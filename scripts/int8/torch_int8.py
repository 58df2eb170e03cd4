"""PyTorch's dynamic int8 quantization of the same trained network, for scripts/int8/compare.sh.

Reads the float weights of an ann model exported to ONNX (`ann export -model M -onnx m.onnx`: Gemm nodes
with kernel [in, out] and bias initializers, Relu between them, Softmax last), builds the same
torch.nn.Sequential, applies torch.quantization.quantize_dynamic (qint8 Linear layers, the call PyTorch users
make) on each quantized engine this torch has, and prints for each: test accuracy on MNIST, agreement with
the float torch model, and inference samples/s at batch 1 and batch 1000 (best of 5 runs of 200 ms).
Run with Debian's /usr/bin/python3 (python3-torch, python3-onnx):

  /usr/bin/python3 torch_int8.py --onnx m.onnx --data DIR [--threads 1]
"""
import argparse, gzip, os, struct, sys, time

_arg = lambda name, d: next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == name), d)
_threads = _arg("--threads", "1")
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads
os.environ.setdefault("GLOG_minloglevel", "2")  # qnnpack logs a warning per call
import warnings
warnings.filterwarnings("ignore")
import numpy as np
import onnx
from onnx import numpy_helper
import torch


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    dims = struct.unpack(">" + "I" * (magic & 0xFF), raw[4:4 + 4 * (magic & 0xFF)])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


p = argparse.ArgumentParser()
p.add_argument("--onnx", required=True)
p.add_argument("--data", default=os.environ.get("ANN_MNIST_DIR"))
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)

model = onnx.load(a.onnx)
init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
layers = []
for n in model.graph.node:
    if n.op_type == "Gemm":
        w, b = init[n.input[1]], init[n.input[2]]
        lin = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(lin)
    elif n.op_type == "Relu":
        layers.append(torch.nn.ReLU())
    elif n.op_type == "Softmax":
        layers.append(torch.nn.Softmax(dim=1))
    else:
        sys.exit(f"torch_int8.py: ONNX op {n.op_type} not handled (a model with an input scaler or batch norm)")
net = torch.nn.Sequential(*layers).eval()

xte = torch.from_numpy(idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
yte = torch.from_numpy(idx(os.path.join(a.data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))


def rate(m, batch):
    x = xte[:batch].contiguous()
    best = float("inf")
    with torch.no_grad():
        for _ in range(5):
            it, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < 0.2:
                m(x)
                it += 1
            best = min(best, (time.perf_counter() - t0) / it)
    return batch / best


with torch.no_grad():
    ref = net(xte).argmax(1)
print(f"torch {torch.__version__} float: accuracy={(ref == yte).float().mean().item():.4f} "
      f"batch1={rate(net, 1):.0f} batch1000={rate(net, 1000):.0f} samples/s threads={a.threads}")
for engine in torch.backends.quantized.supported_engines:
    if engine == "none":
        continue
    torch.backends.quantized.engine = engine
    q = torch.quantization.quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)
    with torch.no_grad():
        pred = q(xte).argmax(1)
    print(f"torch quantize_dynamic engine={engine}: accuracy={(pred == yte).float().mean().item():.4f} "
          f"agreement={(pred == ref).float().mean().item():.4f} "
          f"batch1={rate(q, 1):.0f} batch1000={rate(q, 1000):.0f} samples/s threads={a.threads}")
