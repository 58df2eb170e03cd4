package ann

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadErrorsWrapSentinels checks errors.go's promise on representative
// failing paths of fetching, IDX, CSV and model loading: each error wraps
// one of the sentinels, and an underlying error (a file that does not
// exist, a reader's own failure) stays visible to errors.Is as well.
func TestLoadErrorsWrapSentinels(t *testing.T) {
	boom := errors.New("boom")
	failing := io.MultiReader(strings.NewReader("x"), failReader{boom})
	missing := filepath.Join(t.TempDir(), "missing")
	_, files := testFiles()
	addr := closedPort(t)
	cases := []struct {
		name       string
		err        error
		sentinel   error
		underlying error // also wrapped, when not nil
	}{
		{"fetch: unreachable mirror", FetchMNIST(context.Background(), filepath.Join(t.TempDir(), "d"),
			FetchMirrors("http://"+addr+"/"), fetchFiles(files...)), ErrConfig, nil},
		{"fetch: bad mirror option", FetchMNIST(context.Background(), t.TempDir(), FetchMirrors("ftp://x/")), ErrConfig, nil},
		{"fetch: directory under a file", FetchMNIST(context.Background(), filepath.Join(errorsTestFile(t), "d"),
			FetchMirrors("http://"+addr+"/"), fetchFiles(files...)), ErrConfig, nil},
		{"idx: reader fails", second(ReadIDX(failing)), ErrConfig, boom},
		{"idx: bad magic", second(ReadIDX(bytes.NewReader([]byte{1, 2, 3, 4}))), ErrFormat, nil},
		{"mnist: missing directory", third(LoadMNIST(missing)), ErrConfig, fs.ErrNotExist},
		{"mnist: header shape", second(ReadMNIST(bytes.NewReader(idxBytes(8, []uint32{1, 2}, []byte{0, 0})),
			bytes.NewReader(idxBytes(8, []uint32{1}, []byte{0})))), ErrFormat, nil},
		{"csv: reader fails", second(ReadCSV(failing)), ErrConfig, boom},
		{"csv: bad cell", second(ReadCSV(strings.NewReader("a,b\nx,1\n"))), ErrFormat, nil},
		{"load: reader fails", second(Load(failing)), ErrConfig, boom},
		{"load: missing file", second(LoadFile(missing)), ErrConfig, fs.ErrNotExist},
		{"load: not a model", second(Load(strings.NewReader("not a model at all"))), ErrFormat, nil},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.sentinel) {
			t.Errorf("%s: %v does not wrap %v", c.name, c.err, c.sentinel)
		}
		if c.underlying != nil && !errors.Is(c.err, c.underlying) {
			t.Errorf("%s: %v does not wrap %v", c.name, c.err, c.underlying)
		}
	}
}

// errorsTestFile returns the path of a regular file, under which no
// directory can be made.
func errorsTestFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "file")
	if err := writeFileAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }); err != nil {
		t.Fatal(err)
	}
	return p
}

func second[A any](_ A, err error) error { return err }

func third[A, B any](_ A, _ B, err error) error { return err }
