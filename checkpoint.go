package ann

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A model directory holds checkpoints named model.ckpt-<global step>.ann
// (model files written by Network.Save, with the optimizer state), an index
// file "checkpoint" naming the latest, and, when an estimator trains there,
// train_log.jsonl.

// WriteCheckpoint saves net with its training state (see [Network.Save])
// into the model directory dir as model.ckpt-<global step>.ann, atomically,
// points the index file "checkpoint" at it, and deletes all but the newest
// keep (≥ 1) checkpoints. It creates dir when needed and returns the path
// written. A network holding NaN or ±Inf is not written (an ErrValue naming
// the tensor and the step): the index keeps naming the last good
// checkpoint and no older one is deleted. Before writing it removes the temporary files a killed writer
// left behind (its own naming pattern only, see removeOrphans); so does an
// estimator's Train when it opens its model directory. DNNClassifier, DNNRegressor and the ann command share this
// layout, so each can resume from the others' directories.
func WriteCheckpoint(dir string, net *Network, keep int) (string, error) {
	if keep < 1 {
		return "", fmt.Errorf("%w: keep must be ≥ 1, got %d", ErrValue, keep)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%w: model directory: %w", ErrConfig, err)
	}
	removeOrphans(dir)
	name := fmt.Sprintf("model.ckpt-%d.ann", net.step)
	path := filepath.Join(dir, name)
	if err := net.SaveFile(path); err != nil {
		if errors.Is(err, ErrValue) {
			// Non-finite values: nothing was written and the index still
			// names the last good checkpoint.
			if last, lerr := LatestCheckpoint(dir); lerr == nil && last != "" {
				return "", fmt.Errorf("checkpoint at step %d: %w; the latest checkpoint stays %s", net.step, err, last)
			}
		}
		return "", fmt.Errorf("checkpoint at step %d: %w", net.step, err)
	}
	all, err := listCheckpoints(dir)
	if err != nil {
		return "", err
	}
	var drop []string
	if len(all) > keep {
		drop, all = all[:len(all)-keep], all[len(all)-keep:]
	}
	idx := checkpointIndex{Latest: name, All: all}
	js, _ := json.MarshalIndent(idx, "", "  ")
	if err := writeFileAtomic(filepath.Join(dir, "checkpoint"), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	}); err != nil {
		return "", err
	}
	for _, f := range drop {
		os.Remove(filepath.Join(dir, f))
	}
	return path, nil
}

// removeOrphans deletes the temporary files that a process killed in the
// middle of WriteCheckpoint leaves in the model directory dir: exactly the
// names writeFileAtomic gives the temporary copies of a checkpoint and of
// the index (".model.ckpt-<step>.ann.tmp<digits>", ".checkpoint.tmp<digits>").
// Nothing else is touched, and a file that cannot be removed is left alone.
func removeOrphans(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, en := range entries {
		if en.Type().IsRegular() && isOrphanName(en.Name()) {
			os.Remove(filepath.Join(dir, en.Name()))
		}
	}
}

// isOrphanName reports whether name is a temporary file of WriteCheckpoint.
func isOrphanName(name string) bool {
	digits := func(s string) bool {
		if s == "" {
			return false
		}
		for _, r := range s {
			if r < '0' || r > '9' {
				return false
			}
		}
		return true
	}
	if s, ok := strings.CutPrefix(name, ".checkpoint.tmp"); ok {
		return digits(s)
	}
	s, ok := strings.CutPrefix(name, ".model.ckpt-")
	if !ok {
		return false
	}
	step, rnd, ok := strings.Cut(s, ".ann.tmp")
	return ok && digits(step) && digits(rnd)
}

// checkpointIndex is the model directory's "checkpoint" file.
type checkpointIndex struct {
	Latest string   `json:"latest"`
	All    []string `json:"all"`
}

// listCheckpoints returns the checkpoint files of dir, oldest step first.
func listCheckpoints(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: model directory: %w", ErrConfig, err)
	}
	type ck struct {
		name string
		step int64
	}
	var cks []ck
	for _, en := range entries {
		s, ok := strings.CutPrefix(en.Name(), "model.ckpt-")
		if !ok {
			continue
		}
		s, ok = strings.CutSuffix(s, ".ann")
		if !ok {
			continue
		}
		if step, err := strconv.ParseInt(s, 10, 64); err == nil {
			cks = append(cks, ck{en.Name(), step})
		}
	}
	sort.Slice(cks, func(i, j int) bool { return cks[i].step < cks[j].step })
	names := make([]string, len(cks))
	for i, c := range cks {
		names[i] = c.name
	}
	return names, nil
}

// LatestCheckpoint returns the path of the newest checkpoint in the model
// directory dir, or "" when there is none: the one the index file names
// when it exists, else the file with the highest step. It does not read the
// file; [LoadLatestCheckpoint] loads the newest checkpoint that loads.
func LatestCheckpoint(dir string) (string, error) {
	if js, err := os.ReadFile(filepath.Join(dir, "checkpoint")); err == nil {
		var idx checkpointIndex
		if json.Unmarshal(js, &idx) == nil && idx.Latest != "" && filepath.Base(idx.Latest) == idx.Latest {
			p := filepath.Join(dir, idx.Latest)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	all, err := listCheckpoints(dir)
	if err != nil || len(all) == 0 {
		return "", err
	}
	return filepath.Join(dir, all[len(all)-1]), nil
}

// LoadLatestCheckpoint loads the newest checkpoint of the model directory
// dir that loads: the one LatestCheckpoint names first, then the others from
// the highest step down. It returns the network and its path, and in
// skipped one error (naming the file) per newer checkpoint that could not be
// loaded — a caller should tell the user it fell back. With no checkpoint
// in dir it returns a nil network and no error; when none loads, an error
// wrapping the newest one's.
func LoadLatestCheckpoint(dir string) (net *Network, path string, skipped []error, err error) {
	first, err := LatestCheckpoint(dir)
	if err != nil || first == "" {
		return nil, "", nil, err
	}
	all, err := listCheckpoints(dir)
	if err != nil {
		return nil, "", nil, err
	}
	cands := []string{first}
	for i := len(all) - 1; i >= 0; i-- {
		if p := filepath.Join(dir, all[i]); p != first {
			cands = append(cands, p)
		}
	}
	for _, p := range cands {
		n, lerr := LoadFile(p)
		if lerr == nil {
			return n, p, skipped, nil
		}
		skipped = append(skipped, lerr)
	}
	return nil, "", skipped, fmt.Errorf("%w: model directory %s: no checkpoint loads: %w", ErrFormat, dir, skipped[0])
}
