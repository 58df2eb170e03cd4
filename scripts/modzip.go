//go:build ignore

// modzip writes one version of the module in a directory as a file module
// proxy would serve it (GOPROXY=file://DIR): DIR/<module>/@v/ gets list,
// VERSION.info, VERSION.mod and VERSION.zip. The zip holds the files git
// tracks in the module's tree (untracked and ignored files, .git and
// nested modules left out), under the prefix <module>@VERSION/, as the go
// command expects. scripts/install_test.sh uses it to install the command
// as a user would, from the working tree.
//
//	go run scripts/modzip.go -src . -version v0.0.0-20260101000000-0123456789ab -proxy DIR
package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

func main() {
	src := flag.String("src", ".", "module root")
	version := flag.String("version", "", "module version to write")
	proxy := flag.String("proxy", "", "proxy directory")
	flag.Parse()
	if err := run(*src, *version, *proxy); err != nil {
		fmt.Fprintln(os.Stderr, "modzip:", err)
		os.Exit(1)
	}
}

func run(src, version, proxy string) error {
	if !regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`).MatchString(version) || proxy == "" {
		return errors.New("usage: go run scripts/modzip.go -src DIR -version vX.Y.Z[-pre] -proxy DIR")
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(gomod)
	if m == nil {
		return errors.New("go.mod has no module line")
	}
	modPath := string(m[1])
	out, err := exec.Command("git", "-C", src, "ls-files", "-z").Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")

	// Directories holding another go.mod are other modules.
	nested := map[string]bool{}
	for _, f := range files {
		if path.Base(f) == "go.mod" && f != "go.mod" {
			nested[path.Dir(f)] = true
		}
	}
	inNested := func(f string) bool {
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			if nested[d] {
				return true
			}
		}
		return false
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	n := 0
	for _, f := range files {
		if f == "" || inNested(f) || strings.HasPrefix(f, "vendor/") {
			continue
		}
		full := filepath.Join(src, filepath.FromSlash(f))
		info, err := os.Lstat(full)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			continue // the module zip format has no symbolic links
		}
		w, err := zw.Create(modPath + "@" + version + "/" + f)
		if err != nil {
			return err
		}
		r, err := os.Open(full)
		if err != nil {
			return err
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return err
		}
		n++
	}
	if err := zw.Close(); err != nil {
		return err
	}

	dir := filepath.Join(proxy, filepath.FromSlash(modPath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    string
	}{version, time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		version + ".info": info,
		version + ".mod":  gomod,
		version + ".zip":  buf.Bytes(),
		"list":            []byte(version + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("modzip: %s@%s: %d files, %d bytes zipped, in %s\n", modPath, version, n, buf.Len(), dir)
	return nil
}
