package main

import (
	"fmt"
	"strings"
	"testing"
)

// xorLink is a Playground link (every key its page writes): xor with no
// hidden layer, a linear activation, and x1x2 as the only input.
const xorLink = "https://playground.tensorflow.org/#activation=linear&batchSize=10&dataset=xor&regDataset=reg-plane" +
	"&learningRate=0.03&regularizationRate=0&noise=0&networkShape=&seed=0.123&showTestData=false&discretize=false" +
	"&percTrainData=50&x=false&y=false&xTimesY=true&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false" +
	"&sinY=false&collectStats=false&problem=classification&initZero=false&hideText=false"

// TestPlaygroundHashFlag runs a Playground link from the shell: the xor
// link with x1x2 alone learns, and the same experiment spelt with flags
// gives the very same losses.
func TestPlaygroundHashFlag(t *testing.T) {
	o, _ := mustRun(t, "playground", "-hash", xorLink, "-epochs", "30", "-json", "-quiet")
	r := decodeOne(t, o)
	if got := words(r["features"], r["network"], r["activation"], r["dataset"], r["l1"], r["l2"]); got != "[xTimesY] [] linear xor 0 0" {
		t.Errorf("-hash gave features, network, activation, data set, l1, l2 = %s; want [xTimesY] [] linear xor 0 0", got)
	}
	loss := num(t, r, "test_loss")
	if !(loss < 0.1) || !(num(t, r, "initial_test_loss") > 0.1) {
		t.Errorf("xor on x1x2: test loss %v → %v, want from above to below 0.1", num(t, r, "initial_test_loss"), loss)
	}
	o, _ = mustRun(t, "playground", "-dataset", "xor", "-network", "", "-features", "xTimesY", "-activation", "linear",
		"-regularization", "none", "-seed", "0.123", "-epochs", "30", "-json", "-quiet")
	if flags := num(t, decodeOne(t, o), "test_loss"); flags != loss {
		t.Errorf("the same experiment with flags: test loss %v, with -hash %v", flags, loss)
	}
	// x1 and x2 alone, no hidden layer: a linear boundary cannot split xor.
	o, _ = mustRun(t, "playground", "-hash", strings.Replace(strings.Replace(xorLink, "x=false", "x=true", 1), "&y=false", "&y=true", 1),
		"-features", "x,y", "-epochs", "30", "-json", "-quiet")
	if l := num(t, decodeOne(t, o), "test_loss"); !(l > 0.3) {
		t.Errorf("xor on x1, x2 without a hidden layer: test loss %v, want above 0.3", l)
	}
}

// TestPlaygroundHashOverride: flags given with -hash win over the link,
// keys the link leaves out take Playground's defaults (tanh, no
// regularization), and -l1/-l2 override the link's regularization.
func TestPlaygroundHashOverride(t *testing.T) {
	o, _ := mustRun(t, "playground", "-hash", "#dataset=gauss&networkShape=3&regularization=L1&regularizationRate=0.01",
		"-activation", "relu", "-epochs", "2", "-json", "-quiet")
	r := decodeOne(t, o)
	if got := words(r["dataset"], r["network"], r["activation"], r["l1"], r["l2"], r["features"]); got != "gauss [3] relu 0.01 0 [x y]" {
		t.Errorf("got %s, want gauss [3] relu 0.01 0 [x y]", got)
	}
	o, _ = mustRun(t, "playground", "-hash", "#dataset=gauss&regularization=L1&regularizationRate=0.01", "-l2", "0.1", "-epochs", "1", "-json", "-quiet")
	r = decodeOne(t, o)
	if got := words(r["activation"], r["l1"], r["l2"], r["network"]); got != "tanh 0 0.1 [4 2]" {
		t.Errorf("-l2 with a link: got %s, want tanh 0 0.1 [4 2] (Playground's defaults, -l2 over the link)", got)
	}
}

// TestPlaygroundRegressionFlags: -problem regression on reg-plane with no
// hidden layer fits the plane, on Playground's 1200 points, and reports
// no accuracy.
func TestPlaygroundRegressionFlags(t *testing.T) {
	o, _ := mustRun(t, "playground", "-problem", "regression", "-reg-dataset", "reg-plane", "-network", "",
		"-activation", "linear", "-epochs", "20", "-json", "-quiet")
	r := decodeOne(t, o)
	if l := num(t, r, "test_loss"); !(l < 0.05) || !(num(t, r, "initial_test_loss") > 0.05) {
		t.Errorf("regression plane: test loss %v → %v, want from above to below 0.05", num(t, r, "initial_test_loss"), l)
	}
	if num(t, r, "points") != 1200 || r["train_accuracy"] != nil || r["dataset"] != "reg-plane" {
		t.Errorf("points %v, accuracy %v, data set %v: want 1200, none, reg-plane", r["points"], r["train_accuracy"], r["dataset"])
	}
}

// TestPlaygroundFlagErrors: bad values of the new flags are usage errors
// naming the flag, and the old -hidden still works, empty included.
func TestPlaygroundFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-problem", "ranking"}, "-problem"},
		{[]string{"-reg-dataset", "reg-cubic"}, "-reg-dataset"},
		{[]string{"-features", "x,cosX"}, "-features"},
		{[]string{"-features", ""}, "-features"},
		{[]string{"-features", "x,x"}, "-features"},
		{[]string{"-network", "4,0"}, "-network"},
		{[]string{"-hidden", "2", "-network", "2"}, "-hidden"},
		{[]string{"-regularization", "L3"}, "-regularization"},
		{[]string{"-regularization", "L1", "-l1", "0.1"}, "-regularization"},
		{[]string{"-reg-rate", "0.1"}, "-reg-rate"},
		{[]string{"-hash", "#dataset=xor&bogus=1"}, "bogus"},
		{[]string{"-hash", "#dataset=moons"}, "-dataset"},
		{[]string{"-hash", "#batchSize=ten"}, "batchSize"},
	} {
		code, _, stderr := cli(t, append([]string{"playground", "-epochs", "1"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %s", c.args, code, stderr, exitUsage, c.want)
		}
	}
	o, _ := mustRun(t, "playground", "-hidden", "", "-epochs", "1", "-json", "-quiet")
	if r := decodeOne(t, o); words(r["network"]) != "[]" {
		t.Errorf("-hidden '': network %v, want none", r["network"])
	}
}

// words prints values separated by spaces, for comparing several fields.
func words(v ...any) string { return strings.TrimSpace(fmt.Sprintln(v...)) }
