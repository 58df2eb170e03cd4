package ann

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FetchOption configures FetchMNIST.
type FetchOption func(*fetchOptions) error

type fetchOptions struct {
	mirrors []string
	client  *http.Client
	files   []fetchFile
}

// fetchFile is one file to download and the size and SHA-256 it must have.
type fetchFile struct {
	name   string
	size   int64
	sha256 string // lower-case hex
}

// mnistFiles lists the four canonical MNIST files with the size and
// SHA-256 of the copies the default mirrors serve.
func mnistFiles() []fetchFile {
	return []fetchFile{
		{mnistTrainImages + ".gz", 9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
		{mnistTrainLabels + ".gz", 28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
		{mnistTestImages + ".gz", 1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
		{mnistTestLabels + ".gz", 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
	}
}

// mnistMirrors returns the default mirrors, tried in order. Yann LeCun's
// original site now refuses most downloads, so it is not among them.
func mnistMirrors() []string {
	return []string{
		"https://storage.googleapis.com/cvdf-datasets/mnist/",
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
	}
}

// FetchMirrors replaces the list of base URLs FetchMNIST downloads from,
// tried in this order for each file. Each must be an absolute http or https
// URL; a file's URL is the base joined with its name. The default is
// https://storage.googleapis.com/cvdf-datasets/mnist/ and then
// https://ossci-datasets.s3.amazonaws.com/mnist/.
func FetchMirrors(urls ...string) FetchOption {
	return func(o *fetchOptions) error {
		if len(urls) == 0 {
			return fmt.Errorf("%w: fetch: no mirrors", ErrConfig)
		}
		for _, s := range urls {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("%w: fetch: mirror %q is not an http(s) URL", ErrConfig, s)
			}
		}
		o.mirrors = append([]string(nil), urls...)
		return nil
	}
}

// FetchClient sets the HTTP client FetchMNIST uses. The default is a
// client whose requests time out after 5 minutes each (a file is at most
// 10 MB), so an unreachable or stalled mirror cannot hang a program; a
// deadline in the context passed to FetchMNIST bounds the whole fetch.
func FetchClient(c *http.Client) FetchOption {
	return func(o *fetchOptions) error {
		if c == nil {
			return fmt.Errorf("%w: fetch: nil http.Client", ErrConfig)
		}
		o.client = c
		return nil
	}
}

// fetchTimeout bounds each request of the default client; tests shorten it.
var fetchTimeout = 5 * time.Minute

// fetchHint tells a user without network access what to do instead.
const fetchHint = "without network access, download the four MNIST files by other means and point at their directory: ann mnist -data DIR, or the ANN_MNIST_DIR environment variable (LoadMNIST reads it from Go)"

// fetchFiles replaces the file list, so that tests can serve small
// synthetic files with digests of their own.
func fetchFiles(files ...fetchFile) FetchOption {
	return func(o *fetchOptions) error {
		o.files = files
		return nil
	}
}

// FetchMNIST downloads the four gzip-compressed MNIST files into dir (made
// if missing), for LoadMNIST to read. A file already in dir with the right
// size and SHA-256 is kept; any other file is downloaded from the first
// mirror that serves it intact, trying the next mirror on any failure. The
// sizes and digests are fixed in the package, so a mirror cannot hand over
// altered data, and a server that sends more than the expected size is cut
// off there.
//
// Each file is written to a temporary file in dir, synced, and renamed into
// place only after it verified, so an interrupted fetch never leaves a
// partial file under the real name. FetchMNIST stops when ctx is done and
// returns an error wrapping ctx.Err().
//
// When every mirror fails for a file, the error lists each mirror's
// failure and says how to use local files instead: a wrong size or digest
// wraps ErrFormat; an HTTP status, a network error (an unreachable mirror, a
// timeout) or a directory that cannot be written wraps ErrConfig together
// with the underlying error. Invalid options fail with ErrConfig. On
// failure, directories FetchMNIST made for dir are removed again if they
// are empty.
func FetchMNIST(ctx context.Context, dir string, opts ...FetchOption) (err error) {
	o := fetchOptions{mirrors: mnistMirrors(), client: &http.Client{Timeout: fetchTimeout}, files: mnistFiles()}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return err
		}
	}
	made, err := mkdirAll(dir)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			removeEmpty(made)
		}
	}()
	for _, f := range o.files {
		path := filepath.Join(dir, f.name)
		ok, err := fileMatches(path, f)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		var errs []error
		for _, m := range o.mirrors {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("ann: fetch %s: %w", f.name, err)
			}
			err := download(ctx, o.client, m, dir, f)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("ann: fetch %s: %w", f.name, errors.Join(ctx.Err(), err))
			}
			errs = append(errs, err)
		}
		if len(errs) == len(o.mirrors) {
			// One line, every mirror's error wrapped.
			format := "ann: fetch %s: every mirror failed: " + strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; ") + "; %s"
			args := []any{f.name}
			for _, e := range errs {
				args = append(args, e)
			}
			return fmt.Errorf(format, append(args, fetchHint)...)
		}
	}
	return nil
}

// mkdirAll makes dir and any missing parents, and returns the directories
// it made, deepest first.
func mkdirAll(dir string) ([]string, error) {
	var made []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		made = append(made, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		removeEmpty(made)
		return nil, fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	return made, nil
}

// removeEmpty removes the directories made, deepest first, while they are
// empty (os.Remove refuses a directory that is not).
func removeEmpty(made []string) {
	for _, d := range made {
		if os.Remove(d) != nil {
			return
		}
	}
}

// fileMatches reports whether path holds exactly f's bytes. A missing file
// is no match; an unreadable one is an error, since a download could not
// replace it either.
func fileMatches(path string, f fetchFile) (bool, error) {
	r, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, f.size+1))
	if err != nil {
		return false, fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	return n == f.size && hex.EncodeToString(h.Sum(nil)) == f.sha256, nil
}

// download fetches f from one mirror into dir, verifying it before the
// rename that makes it visible.
func download(ctx context.Context, client *http.Client, mirror, dir string, f fetchFile) (err error) {
	u, err := url.JoinPath(mirror, f.name)
	if err != nil {
		return fmt.Errorf("%w: fetch: mirror %q: %v", ErrConfig, mirror, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: fetch %s: %w", ErrConfig, u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: fetch %s: HTTP status %s", ErrConfig, u, resp.Status)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != f.size {
		return fmt.Errorf("%w: fetch %s: %d bytes announced, want %d", ErrFormat, u, resp.ContentLength, f.size)
	}

	tmp, err := os.CreateTemp(dir, "."+f.name+".*.tmp")
	if err != nil {
		return fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	defer func() {
		if err != nil {
			tmp.Close() // already failing; the first error is the one to report
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	// One byte past the expected size is enough to know it is wrong.
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, f.size+1))
	if err != nil {
		return fmt.Errorf("%w: fetch %s: %w", ErrConfig, u, err)
	}
	if n != f.size {
		return fmt.Errorf("%w: fetch %s: got %d bytes, want %d", ErrFormat, u, n, f.size)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != f.sha256 {
		return fmt.Errorf("%w: fetch %s: SHA-256 %s, want %s", ErrFormat, u, sum, f.sha256)
	}
	// CreateTemp makes the file private; a downloaded data set is not.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	if err = os.Rename(tmp.Name(), filepath.Join(dir, f.name)); err != nil {
		return fmt.Errorf("%w: fetch: %w", ErrConfig, err)
	}
	return nil
}
