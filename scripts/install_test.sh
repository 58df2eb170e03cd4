#!/usr/bin/env bash
# install_test.sh installs the ann command as a user gets it and checks that
# it works outside the source tree, the Playground server included.
#
# It serves the working tree's tracked files as one version of the module
# from a local file proxy (scripts/modzip.go), runs
# `go install github.com/annlib/ann/cmd/ann@VERSION` into a temporary
# GOPATH, GOBIN and module cache (the dependencies still come from the
# module proxy, or from the local module download cache), and from an empty
# directory runs ann -h, ann version, a few subcommands and
# `ann playground -serve 127.0.0.1:0`: the page and the WebAssembly module
# must be served, and a second start must find the module in the user cache
# without building it. Every step is bounded in time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	# The module cache is read-only; make it removable.
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "install_test: $*" >&2
	exit 1
}

rev=$(git -C "$root" rev-parse --short=12 HEAD)
version="v0.0.0-$(date -u +%Y%m%d%H%M%S)-$rev"
timeout 120 go run "$root/scripts/modzip.go" -src "$root" -version "$version" -proxy "$tmp/proxy"

# The user's proxy setting after the local one; the local download cache in
# between spares the network what it already holds.
upstream=$(go env GOPROXY)
downloads="$(go env GOMODCACHE)/cache/download"
export GOPROXY="file://$tmp/proxy,file://$downloads,$upstream"
# The test version exists only here: no checksum database knows it.
export GONOSUMDB=github.com/annlib/ann
export GOPATH="$tmp/gopath" GOMODCACHE="$tmp/gopath/pkg/mod" GOBIN="$tmp/bin"
export XDG_CACHE_HOME="$tmp/usercache" GOWORK=off GOFLAGS=
unset GOPRIVATE GONOPROXY
mkdir -p "$tmp/empty"
cd "$tmp/empty"

echo "install_test: go install github.com/annlib/ann/cmd/ann@$version"
timeout 300 go install "github.com/annlib/ann/cmd/ann@$version" || fail "go install failed"
ann="$GOBIN/ann"
[ -x "$ann" ] || fail "no binary at $ann"

timeout 10 "$ann" -h >/dev/null || fail "ann -h"
out=$(timeout 30 "$ann" version) || fail "ann version"
echo "$out" | sed 's/^/  /'
grep -q "$version" <<<"$out" || fail "ann version does not report $version"

# A small CSV made here, trained, evaluated, predicted and exported.
{
	echo "x,y,kind"
	for i in $(seq 0 59); do
		echo "$((i % 7)).$((i % 3)),$((i % 5)).$((i % 4)),$([ $((i % 2)) = 0 ] && echo a || echo b)"
	done
} >data.csv
timeout 120 "$ann" train -train data.csv -label kind -epochs 5 -save m.ann -quiet || fail "ann train"
timeout 60 "$ann" eval -model m.ann -data data.csv >/dev/null || fail "ann eval"
timeout 60 "$ann" predict -model m.ann -data data.csv -out pred.csv || fail "ann predict"
[ "$(wc -l <pred.csv)" = 61 ] || fail "predict wrote $(wc -l <pred.csv) lines, want 61"
timeout 60 "$ann" export -model m.ann -onnx m.onnx || fail "ann export"
[ -s m.onnx ] || fail "ann export wrote no ONNX file"
timeout 120 "$ann" playground -epochs 5 -json -quiet >pg.json || fail "ann playground"
grep -q '"test_loss"' pg.json || fail "ann playground -json has no test_loss"

# serve starts `ann playground -serve 127.0.0.1:0` in the background and
# waits (at most $1 seconds) for the address it bound, left in $url.
serve() {
	"$ann" playground -serve 127.0.0.1:0 2>serve.log &
	server=$!
	local i
	url=
	for i in $(seq "$1"); do
		url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' serve.log || true)
		[ -n "$url" ] && return 0
		kill -0 "$server" 2>/dev/null || { cat serve.log >&2; fail "ann playground -serve exited"; }
		sleep 1
	done
	cat serve.log >&2
	fail "ann playground -serve printed no address in $1 s"
}

# check fetches the page and the module from the server at $1.
check() {
	local url=$1
	curl -fsS --max-time 20 "$url" -o page.html || fail "GET $url"
	grep -q 'id="test-loss"' page.html || fail "the page at $url is not the Playground"
	curl -fsS --max-time 60 "${url}dist/wasm_exec.js" -o wasm_exec.js || fail "GET ${url}dist/wasm_exec.js"
	curl -fsS --max-time 60 "${url}dist/ann.wasm" -o ann.wasm || fail "GET ${url}dist/ann.wasm"
	[ "$(head -c 4 ann.wasm | od -An -tx1 | tr -d ' \n')" = 0061736d ] || fail "dist/ann.wasm is not a WebAssembly module"
	echo "  $url: page $(stat -c %s page.html) bytes, ann.wasm $(stat -c %s ann.wasm) bytes"
}

# stop ends the server as Ctrl-C or a service manager would (SIGTERM);
# that is a normal end, exit status 0.
stop() {
	kill -TERM "$server"
	timeout 15 tail --pid="$server" -f /dev/null || fail "the server did not stop on SIGTERM"
	local code=0
	wait "$server" || code=$?
	server=
	[ "$code" = 0 ] || fail "ann playground -serve exited $code after SIGTERM"
}

echo "install_test: first start builds the module"
serve 600
sed 's/^/  /' serve.log
check "$url"
stop

echo "install_test: second start finds it in the user cache"
t0=$(date +%s)
serve 20
grep -q building serve.log && { cat serve.log >&2; fail "the second start built the module again"; }
check "$url"
stop
echo "install_test: ok ($(($(date +%s) - t0)) s for the second start)"
