#!/bin/sh
# Installs what the ONNX runtime check needs (see check.js): onnxruntime-node
# from package-lock.json, and Debian's python3-onnx. Idempotent and quiet:
# each step is skipped when its module already loads. Needs root for apt.
set -eu
cd "$(dirname "$0")"
if ! node -e "require('onnxruntime-node')" >/dev/null 2>&1; then
	# --ignore-scripts: the install script only fetches GPU binaries; the
	# CPU runtime is inside the package.
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi
if ! /usr/bin/python3 -c "import onnx.checker" >/dev/null 2>&1; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-onnx >/dev/null
fi
node check.js --probe
/usr/bin/python3 check.py --probe
