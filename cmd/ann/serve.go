package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// The page's WebAssembly module and Go's wasm_exec.js are generated into
// web/dist (git-ignored) by gen_wasm.go; the HTML, JavaScript and CSS in
// web are committed. Embedding the whole directory keeps `go build` working
// before generation: web always holds the committed files, and a binary
// without dist/ann.wasm builds the module when it is asked to serve.
//
//go:generate go run gen_wasm.go web/dist

//go:embed web
var webFiles embed.FS

// wasmPackage is the import path of the page's engine.
const wasmPackage = "github.com/annlib/ann/web/wasm"

// generateHint tells a user how to embed the module for good.
const generateHint = "run `go generate ./cmd/ann` in the ann source tree, then rebuild ann"

// defaultServeAddr is where `ann playground -serve` listens when it is
// given no address: loopback only, so the page is not offered to the
// network unless the user names an interface.
const defaultServeAddr = "127.0.0.1:8080"

// The server's timeouts. A client gets readHeaderTimeout to send its
// request line and headers and readTimeout for the whole request; a
// kept-alive connection is closed after idleTimeout without a request.
// Tests shorten them.
var (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 60 * time.Second
)

// serveAddr turns the -serve value into the address to listen on: the
// default for none, and loopback for a bare port (":8080" or "8080"), so
// that only an explicit host (e.g. 0.0.0.0:8080) reaches other machines.
func serveAddr(v string) string {
	switch {
	case v == "" || v == "true":
		return defaultServeAddr
	case strings.HasPrefix(v, ":"):
		return "127.0.0.1" + v
	}
	if _, err := strconv.ParseUint(v, 10, 16); err == nil {
		return "127.0.0.1:" + v
	}
	return v
}

// serveFlag is the -serve flag: given alone it asks for the default
// address, like a boolean flag; given a value (-serve=ADDR, or -serve ADDR
// joined by joinServeArg) it holds that address.
type serveFlag struct {
	set  bool
	addr string
}

// String implements flag.Value.
func (f *serveFlag) String() string { return f.addr }

// Set implements flag.Value.
func (f *serveFlag) Set(v string) error {
	f.set, f.addr = true, serveAddr(v)
	return nil
}

// IsBoolFlag lets the flag package accept -serve without a value.
func (f *serveFlag) IsBoolFlag() bool { return true }

// joinServeArg rewrites "-serve ADDR" as "-serve=ADDR": a flag that may be
// given alone takes its value only after "=" in the flag package.
func joinServeArg(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if (a == "-serve" || a == "--serve") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			out = append(out, a+"="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

// newPlaygroundServer is the page's HTTP server with its timeouts.
func newPlaygroundServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
	}
}

// siteFunc returns the page's files; tests replace it to serve without
// building the module.
var siteFunc = playgroundSite

// servePlayground serves the Playground page on addr until ctx is done
// (Ctrl-C), which is a normal end, not an interruption. It prints the
// address it really bound (the port the system chose for ":0").
func servePlayground(ctx context.Context, e *env, addr string) error {
	// Listening first makes a bad address fail at once, not after a
	// build of the module.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	site, cleanup, err := siteFunc(ctx, e.stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	where := ""
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		where = " on every network interface"
	}
	fmt.Fprintf(e.stderr, "%s: serving the Playground at %s%s (Ctrl-C stops)\n", e.cmd, pageURL(ln.Addr()), where)
	srv := newPlaygroundServer(playgroundHandler(site))
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Open connections get five seconds to finish; then they are cut.
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}()
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-stopped
		return nil
	}
	return err
}

// pageURL is the address a browser should open: a wildcard listener is
// reachable as localhost.
func pageURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String() + "/"
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port)) + "/"
}

// playgroundHandler serves the page's files. The content-security policy
// lets the page load nothing from anywhere but this server, which keeps the
// promise that it works offline (and makes a test fail if it ever stops).
func playgroundHandler(site fs.FS) http.Handler {
	files := http.FileServerFS(site)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:")
		// Streaming compilation needs this type, whatever the host's MIME
		// tables say.
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			h.Set("Content-Type", "application/wasm")
		}
		files.ServeHTTP(w, r)
	})
}

// modulePath is the module whose version the command reports.
const modulePath = "github.com/annlib/ann"

// playgroundSite returns the page's files: the embedded ones when the
// binary carries the module. Otherwise the module is built with the go
// command: a binary installed at a version (go install ...@v1.2.3) builds
// that version's web/wasm from the module cache once and keeps it under
// the user cache directory; a binary built in a source tree (version
// "(devel)" or stamped from a checkout) builds the tree it runs in into a
// temporary directory, which cleanup removes.
func playgroundSite(ctx context.Context, stderr io.Writer) (site fs.FS, cleanup func(), err error) {
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		return nil, nil, err
	}
	if hasModule(static) {
		return static, func() {}, nil
	}
	if v := releasedVersion(debug.ReadBuildInfo()); v != "" {
		dir, err := cachedModule(ctx, stderr, v)
		if err != nil {
			return nil, nil, err
		}
		return distOverlay{static: static, dist: os.DirFS(dir)}, func() {}, nil
	}
	goTool, err := lookGo()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "ann-playground-")
	if err != nil {
		return nil, nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	fmt.Fprintf(stderr, "ann playground: this binary has no embedded WebAssembly module; building it from the source tree with %s into %s (to embed it: %s)\n", goTool, dir, generateHint)
	if err := buildPlaygroundModule(ctx, goTool, dir); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("%w (run ann inside the ann source tree, or %s)", err, generateHint)
	}
	return distOverlay{static: static, dist: os.DirFS(dir)}, cleanup, nil
}

// lookGo finds the go command, or says why the page needs it.
func lookGo() (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("this ann binary has no embedded WebAssembly module for the page, and building one needs the go command, which is not on PATH (install Go from https://go.dev/dl/ or add it to PATH; or %s)", generateHint)
	}
	return goTool, nil
}

// versionRE matches the module versions releasedVersion accepts: semantic
// versions, pseudo-versions included, which are also safe directory names.
var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// releasedVersion returns the module version a binary was installed at, as
// the module proxy knows it, or "" for a binary built from a source tree:
// version "(devel)", a +dirty or other build suffix, or VCS settings (which
// only a build in a checkout records).
func releasedVersion(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil || bi.Main.Path != modulePath || !versionRE.MatchString(bi.Main.Version) {
		return ""
	}
	for _, s := range bi.Settings {
		if strings.HasPrefix(s.Key, "vcs") {
			return ""
		}
	}
	return bi.Main.Version
}

// cachedModule returns the directory holding ann.wasm and wasm_exec.js for
// the module at version, under the user cache directory
// (…/ann/playground/VERSION). The first call builds them there with the go
// command from the module cache (downloading the module through GOPROXY if
// needed); later calls, even without a go command, find them at once.
func cachedModule(ctx context.Context, stderr io.Writer, version string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory to keep the Playground's WebAssembly module in: %w", err)
	}
	parent := filepath.Join(base, "ann", "playground")
	dir := filepath.Join(parent, version)
	if hasModule(distOverlay{dist: os.DirFS(dir)}) {
		return dir, nil
	}
	goTool, err := lookGo()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, ".build-"+version+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(stderr, "ann playground: building the page's WebAssembly module for %s@%s with %s, once; it is kept in %s\n", modulePath, version, goTool, dir)
	start := time.Now()
	mod, out := filepath.Join(tmp, "mod"), filepath.Join(tmp, "out")
	if err := os.Mkdir(mod, 0o755); err != nil {
		return "", err
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		return "", err
	}
	// A throw-away module that requires ann at this version: go build
	// cannot name a version itself, and a cross-compiling go install
	// refuses GOBIN.
	env := append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS=-mod=mod", "GOWORK=off")
	for _, args := range [][]string{
		{"mod", "init", "annplayground"},
		{"get", wasmPackage + "@" + version},
	} {
		cmd := exec.CommandContext(ctx, goTool, args...)
		cmd.Dir, cmd.Env = mod, env
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building the WebAssembly module: go %s: %v\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(b)))
		}
	}
	if err := buildModuleIn(ctx, goTool, mod, out, env); err != nil {
		return "", err
	}
	// Another ann may have finished first; its files are as good.
	if err := os.Rename(out, dir); err != nil && !hasModule(distOverlay{dist: os.DirFS(dir)}) {
		return "", err
	}
	fmt.Fprintf(stderr, "ann playground: built in %v\n", time.Since(start).Round(time.Second))
	return dir, nil
}

// hasModule reports whether site holds both generated files.
func hasModule(site fs.FS) bool {
	for _, name := range []string{"dist/ann.wasm", "dist/wasm_exec.js"} {
		if _, err := fs.Stat(site, name); err != nil {
			return false
		}
	}
	return true
}

// distOverlay serves dist/... from a directory built at run time and
// everything else from the embedded page.
type distOverlay struct{ static, dist fs.FS }

// Open implements fs.FS.
func (o distOverlay) Open(name string) (fs.File, error) {
	if name == "dist" {
		return o.dist.Open(".")
	}
	if rest, ok := strings.CutPrefix(name, "dist/"); ok {
		return o.dist.Open(rest)
	}
	return o.static.Open(name)
}

// buildPlaygroundModule writes ann.wasm and wasm_exec.js into dir with the
// go command goTool, building the package in the module of the current
// directory. gen_wasm.go does the same for `go generate`; the two must
// agree on the file names and the build flags.
func buildPlaygroundModule(ctx context.Context, goTool, dir string) error {
	return buildModuleIn(ctx, goTool, "", dir, append(os.Environ(), "GOOS=js", "GOARCH=wasm"))
}

// buildModuleIn builds the page's module with the go command goTool run in
// work ("" for the current directory) with environment env, which sets
// GOOS=js GOARCH=wasm, and writes ann.wasm and the wasm_exec.js of the same
// Go release into dir.
func buildModuleIn(ctx context.Context, goTool, work, dir string, env []string) error {
	build := exec.CommandContext(ctx, goTool, "build",
		"-o", filepath.Join(dir, "ann.wasm"), wasmPackage)
	build.Dir, build.Env = work, env
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the WebAssembly module: %v\n%s", err, strings.TrimSpace(string(out)))
	}
	// Asked in the same directory, so that a toolchain switch there
	// gives the GOROOT of the Go that built the module.
	goroot := exec.CommandContext(ctx, goTool, "env", "GOROOT")
	goroot.Dir, goroot.Env = work, env
	rootOut, err := goroot.Output()
	if err != nil {
		return fmt.Errorf("asking the go command for GOROOT: %v", err)
	}
	src, err := wasmExecJS(strings.TrimSpace(string(rootOut)))
	if err != nil {
		return err
	}
	js, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "wasm_exec.js"), js, 0o644)
}

// wasmExecJS finds Go's JavaScript support file, which moved from misc/wasm
// to lib/wasm in Go 1.24. It must come from the Go that built the module:
// the two speak a private protocol that changes between releases.
func wasmExecJS(goroot string) (string, error) {
	for _, rel := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		p := filepath.Join(goroot, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no wasm_exec.js under GOROOT %s (looked in lib/wasm and misc/wasm)", goroot)
}
