package ann

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testFiles returns small synthetic files and the fetchFile entries that
// describe them.
func testFiles() (map[string][]byte, []fetchFile) {
	content := map[string][]byte{
		"a.gz": []byte("first file"),
		"b.gz": bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7}, 1000),
		"c.gz": {42},
	}
	var files []fetchFile
	for _, name := range []string{"a.gz", "b.gz", "c.gz"} {
		sum := sha256.Sum256(content[name])
		files = append(files, fetchFile{name, int64(len(content[name])), hex.EncodeToString(sum[:])})
	}
	return content, files
}

// mirror is a test server; behave decides per file what it sends, and it
// counts the requests per file.
type mirror struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
}

func newMirror(t *testing.T, behave func(w http.ResponseWriter, r *http.Request, name string)) *mirror {
	m := &mirror{requests: map[string]int{}}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/mnist/")
		m.mu.Lock()
		m.requests[name]++
		m.mu.Unlock()
		behave(w, r, name)
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *mirror) count(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests[name]
}

func (m *mirror) base() string { return m.URL + "/mnist/" }

func serving(content map[string][]byte) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, r *http.Request, name string) {
		b, ok := content[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}
}

// checkDir asserts that dir holds exactly the given files with the given
// contents: no temp files, nothing partial.
func checkDir(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("dir holds %q, want %d files", names, len(want))
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s: %d bytes, %v; want %d bytes", name, len(got), err, len(b))
		}
	}
}

func TestFetchMNISTGood(t *testing.T) {
	content, files := testFiles()
	m := newMirror(t, serving(content))
	dir := filepath.Join(t.TempDir(), "new", "dir")
	if err := FetchMNIST(context.Background(), dir, FetchMirrors(m.base()), fetchFiles(files...)); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, content)
	fi, err := os.Stat(filepath.Join(dir, "a.gz"))
	if err != nil || fi.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("downloaded file mode %v, %v; want readable by all", fi.Mode(), err)
	}
	// A second run finds everything in place and asks for nothing.
	if err := FetchMNIST(context.Background(), dir, FetchMirrors(m.base()), fetchFiles(files...)); err != nil {
		t.Fatal(err)
	}
	for name := range content {
		if n := m.count(name); n != 1 {
			t.Errorf("%s requested %d times, want 1", name, n)
		}
	}
}

func TestFetchMNISTPresentFiles(t *testing.T) {
	content, files := testFiles()
	m := newMirror(t, serving(content))
	dir := t.TempDir()
	// a.gz valid (kept), b.gz corrupt and c.gz too long (both replaced).
	os.WriteFile(filepath.Join(dir, "a.gz"), content["a.gz"], 0o644)
	os.WriteFile(filepath.Join(dir, "b.gz"), []byte("junk"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.gz"), []byte{42, 0}, 0o644)
	if err := FetchMNIST(context.Background(), dir, FetchMirrors(m.base()), fetchFiles(files...)); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, content)
	if m.count("a.gz") != 0 || m.count("b.gz") != 1 || m.count("c.gz") != 1 {
		t.Errorf("requests %v, want a.gz none, b.gz and c.gz once", m.requests)
	}
}

// TestFetchMNISTFallback gives each file a different failure on the first
// mirror; the second mirror serves them all.
func TestFetchMNISTFallback(t *testing.T) {
	content, files := testFiles()
	bad := newMirror(t, func(w http.ResponseWriter, r *http.Request, name string) {
		switch name {
		case "a.gz": // same size, one bit off
			b := bytes.Clone(content[name])
			b[0] ^= 1
			w.Write(b)
		case "b.gz": // connection drops after half the announced length
			w.Header().Set("Content-Length", fmt.Sprint(len(content[name])))
			w.Write(content[name][:len(content[name])/2])
			panic(http.ErrAbortHandler)
		case "c.gz":
			http.NotFound(w, r)
		}
	})
	good := newMirror(t, serving(content))
	dir := t.TempDir()
	if err := FetchMNIST(context.Background(), dir, FetchMirrors(bad.base(), good.base()), fetchFiles(files...)); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, content)
	for name := range content {
		if bad.count(name) != 1 || good.count(name) != 1 {
			t.Errorf("%s: %d requests to the bad mirror, %d to the good one; want 1 and 1", name, bad.count(name), good.count(name))
		}
	}
}

func TestFetchMNISTFailures(t *testing.T) {
	content, files := testFiles()
	cases := []struct {
		name       string
		behave     func(http.ResponseWriter, *http.Request, string)
		wantFormat bool // a size or digest failure, hence ErrFormat
	}{
		{"corrupt", func(w http.ResponseWriter, r *http.Request, name string) {
			w.Write(bytes.Repeat([]byte{'x'}, len(content[name])))
		}, true},
		{"short", func(w http.ResponseWriter, r *http.Request, name string) {
			w.Write(content[name][:len(content[name])-1])
		}, true},
		{"endless", func(w http.ResponseWriter, r *http.Request, name string) {
			// No Content-Length: the reader must stop one byte past the size.
			bw := bufio.NewWriter(w)
			for i := 0; i < 1<<20 && r.Context().Err() == nil; i++ {
				bw.Write(content[name])
			}
		}, true},
		{"404", func(w http.ResponseWriter, r *http.Request, name string) { http.NotFound(w, r) }, false},
		{"500", func(w http.ResponseWriter, r *http.Request, name string) {
			http.Error(w, "down", http.StatusInternalServerError)
		}, false},
	}
	for _, c := range cases {
		m1 := newMirror(t, c.behave)
		m2 := newMirror(t, c.behave)
		dir := t.TempDir()
		err := FetchMNIST(context.Background(), dir, FetchMirrors(m1.base(), m2.base()), fetchFiles(files...))
		if err == nil || errors.Is(err, ErrFormat) != c.wantFormat || !strings.Contains(err.Error(), "a.gz") {
			t.Errorf("%s: err %v, want ErrFormat %v naming a.gz", c.name, err, c.wantFormat)
		}
		// Both mirrors tried for the first file, then it gave up.
		if m1.count("a.gz") != 1 || m2.count("a.gz") != 1 || m1.count("b.gz") != 0 {
			t.Errorf("%s: requests %v and %v", c.name, m1.requests, m2.requests)
		}
		checkDir(t, dir, nil)
	}
}

// TestFetchMNISTContext stops a download that hangs halfway: the server
// sends part of the file and then waits for the client to give up.
func TestFetchMNISTContext(t *testing.T) {
	content, files := testFiles()
	for _, timeout := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		if timeout {
			// The server never finishes, so only the deadline ends the
			// request; its length does not matter to the outcome.
			cancel()
			ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
		}
		m := newMirror(t, func(w http.ResponseWriter, r *http.Request, name string) {
			w.Header().Set("Content-Length", fmt.Sprint(len(content[name])))
			w.Write(content[name][:len(content[name])/2])
			w.(http.Flusher).Flush()
			if !timeout {
				cancel()
			}
			<-r.Context().Done()
		})
		other := newMirror(t, serving(content))
		dir := t.TempDir()
		err := FetchMNIST(ctx, dir, FetchMirrors(m.base(), other.base()), fetchFiles(files...))
		want := context.Canceled
		if timeout {
			want = context.DeadlineExceeded
		}
		if !errors.Is(err, want) {
			t.Errorf("timeout=%v: err %v, want %v", timeout, err, want)
		}
		// No fallback to the next mirror once the context is done.
		if other.count("a.gz") != 0 {
			t.Errorf("timeout=%v: went on to the next mirror", timeout)
		}
		checkDir(t, dir, nil)
		cancel()
	}

	// A context done before the call sends nothing.
	m := newMirror(t, serving(content))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := FetchMNIST(ctx, t.TempDir(), FetchMirrors(m.base()), fetchFiles(files...)); !errors.Is(err, context.Canceled) || m.count("a.gz") != 0 {
		t.Errorf("cancelled context: err %v, %d requests", err, m.count("a.gz"))
	}
}

func TestFetchOptions(t *testing.T) {
	for _, opt := range []FetchOption{FetchMirrors(), FetchMirrors("ftp://example.com/"), FetchMirrors("/local/path"),
		FetchMirrors("https://"), FetchClient(nil)} {
		if err := FetchMNIST(context.Background(), t.TempDir(), opt); !errors.Is(err, ErrConfig) {
			t.Errorf("err %v, want ErrConfig", err)
		}
	}
}

// TestFetchMNISTReal serves the real files, when present, to check the
// sizes and digests built into the package, and compares them with the
// data set's own SHA256SUMS.
func TestFetchMNISTReal(t *testing.T) {
	src := MNISTDir()
	if src == "" {
		t.Skip("set ANN_MNIST_DIR to the directory holding the MNIST files")
	}
	sums, err := os.ReadFile(filepath.Join(src, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	content := map[string][]byte{}
	for _, f := range mnistFiles() {
		b, err := os.ReadFile(filepath.Join(src, f.name))
		if err != nil {
			t.Fatal(err)
		}
		content[f.name] = b
		if !strings.Contains(string(sums), f.sha256+"  "+f.name) {
			t.Errorf("%s: digest %s not in SHA256SUMS", f.name, f.sha256)
		}
	}
	m := newMirror(t, serving(content))
	dir := t.TempDir()
	if err := FetchMNIST(context.Background(), dir, FetchMirrors(m.base())); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, content)
	if train, test, err := LoadMNIST(dir); err != nil || train.Len() != 60000 || test.Len() != 10000 {
		t.Errorf("LoadMNIST after FetchMNIST: %v", err)
	}
}

// closedPort returns the address of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestFetchMNISTOffline: with every mirror unreachable the error is one
// line that wraps ErrConfig and the network error, tells the user how to
// use local files, and leaves no directory it made behind.
func TestFetchMNISTOffline(t *testing.T) {
	_, files := testFiles()
	root := t.TempDir()
	dir := filepath.Join(root, "cache", "ann", "mnist")
	addr := closedPort(t)
	err := FetchMNIST(context.Background(), dir, FetchMirrors("http://"+addr+"/mnist/", "http://"+addr+"/other/"), fetchFiles(files...))
	var opErr *net.OpError
	if !errors.Is(err, ErrConfig) || !errors.As(err, &opErr) {
		t.Fatalf("err %v, want ErrConfig wrapping the network error", err)
	}
	msg := err.Error()
	for _, want := range []string{"-data", "ANN_MNIST_DIR", "a.gz", addr} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines: %q", msg)
	}
	if entries, err := os.ReadDir(root); err != nil || len(entries) != 0 {
		t.Errorf("left behind in %s: %v (%v)", root, entries, err)
	}

	// A directory that existed stays, even when empty.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := FetchMNIST(context.Background(), dir, FetchMirrors("http://"+addr+"/"), fetchFiles(files...)); err == nil {
		t.Fatal("fetch from a closed port succeeded")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("an existing directory was removed: %v", err)
	}
}

// TestFetchMNISTDefaultTimeout: the default client gives up on a mirror
// that accepts the connection and never answers.
func TestFetchMNISTDefaultTimeout(t *testing.T) {
	defer func(old time.Duration) { fetchTimeout = old }(fetchTimeout)
	fetchTimeout = 100 * time.Millisecond
	_, files := testFiles()
	release := make(chan struct{})
	m := newMirror(t, func(w http.ResponseWriter, r *http.Request, name string) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	done := make(chan error, 1)
	go func() {
		done <- FetchMNIST(context.Background(), t.TempDir(), FetchMirrors(m.base()), fetchFiles(files...))
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrConfig) {
			t.Errorf("err %v, want ErrConfig", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FetchMNIST still waiting on a silent mirror after 10 s: the default client has no timeout")
	}
}
