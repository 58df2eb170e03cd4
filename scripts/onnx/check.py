#!/usr/bin/python3
"""ONNX export check, onnx checker side.

README: see the comment at the top of check.js in this directory. This
script needs Debian's python3-onnx (apt-get install -y python3-onnx) and is
run with Debian's /usr/bin/python3, which is where apt installs the module.

Usage:

  /usr/bin/python3 check.py --probe         prints the onnx version
  /usr/bin/python3 check.py MODEL.onnx      checks MODEL.onnx

It runs onnx.checker.check_model with full_check=True (which includes
strict shape inference), then prints one JSON object: the onnx version, the
model's IR version, opset imports, op types in node order, and the inferred
output shapes. Exit status 3 means the onnx module is missing; any check
failure raises and exits non-zero.
"""
import json
import sys

try:
    import onnx
    import onnx.checker
    import onnx.shape_inference
except ImportError as e:
    sys.stderr.write("python3-onnx is not installed: run apt-get install -y python3-onnx (%s)\n" % e)
    sys.exit(3)


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    return [d.dim_param if d.HasField("dim_param") else str(d.dim_value) for d in shape.dim]


def main(argv):
    if argv == ["--probe"]:
        print(json.dumps({"version": onnx.__version__}))
        return
    if len(argv) != 1:
        raise SystemExit("usage: check.py MODEL.onnx")
    model = onnx.load(argv[0])
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    print(json.dumps({
        "version": onnx.__version__,
        "ir_version": model.ir_version,
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "ops": [n.op_type for n in model.graph.node],
        "outputs": {o.name: dims(o) for o in inferred.graph.output},
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
