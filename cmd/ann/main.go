// Command ann trains, evaluates and runs dense neural networks from the
// shell: MNIST as in the TensorFlow tutorial, any CSV data set, and the
// tutorial's TensorFlow Playground toy with its decision-boundary picture.
//
// Usage:
//
//	ann <command> [flags]
//
// The commands are mnist, train, eval, predict, quantize, playground,
// export, bench and version; "ann help <command>" lists a command's flags. Progress goes to
// stderr; with -json, stdout carries exactly one JSON object. The exit
// status is 0 on success, 2 for a usage mistake, 1 for any other failure
// and 130 when training was interrupted (Ctrl-C).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"syscall"
)

func main() {
	// The first Ctrl-C cancels the context, so training stops after the
	// current step and checkpoints; stop() then restores the default
	// handling, so a second Ctrl-C kills the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, the shell's convention
)

// command is one subcommand.
type command struct {
	name, synopsis string
	// run parses the command's arguments and does the work.
	run func(ctx context.Context, env *env, args []string) error
	// usage is the help text "ann help <name>" prints.
	usage string
}

// env is what a command writes to.
type env struct {
	stdout, stderr io.Writer
	cmd            string
}

func commands() []command {
	return []command{
		{name: "mnist", synopsis: "train on MNIST and evaluate on its test set (or run the tutorial's protocol)", run: runMNIST, usage: mnistUsage},
		{name: "train", synopsis: "train a classifier or regressor on a CSV file", run: runTrain, usage: trainUsage},
		{name: "eval", synopsis: "evaluate a saved model on a labelled CSV file", run: runEval, usage: evalUsage},
		{name: "predict", synopsis: "predict every row of a CSV file with a saved model", run: runPredict, usage: predictUsage},
		{name: "quantize", synopsis: "quantize a saved float model to int8 (static or dynamic activations)", run: runQuantize, usage: quantizeUsage},
		{name: "playground", synopsis: "the TensorFlow Playground toy: train on 2-D data, draw the decision boundary", run: runPlayground, usage: playgroundUsage},
		{name: "export", synopsis: "write a saved model as an ONNX graph", run: runExport, usage: exportUsage},
		{name: "bench", synopsis: "GEMM GFLOP/s and training/inference throughput on this machine", run: runBench, usage: benchUsage},
		{name: "version", synopsis: "module and Go version, GEMM kernel, CPU features", run: runVersion, usage: versionUsage},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// mainUsage is the top-level help text.
func mainUsage() string {
	var b strings.Builder
	b.WriteString("ann trains and runs dense neural networks.\n\nUsage:\n\n\tann <command> [flags]\n\nCommands:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "\t%-11s %s\n", c.name, c.synopsis)
	}
	b.WriteString("\nRun \"ann help <command>\" for a command's flags.\n" +
		"Progress goes to stderr; -json prints one JSON object on stdout.\n" +
		"Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted.\n")
	return b.String()
}

// run is main without the process: it parses args (without the program
// name), runs the command and returns the exit status. Tests call it
// directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage())
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			c, ok := findCommand(args[1])
			if !ok {
				fmt.Fprintf(stderr, "ann help: unknown command %q (run \"ann help\" for the list)\n", args[1])
				return exitUsage
			}
			fmt.Fprint(stdout, c.usage)
			return exitOK
		}
		fmt.Fprint(stdout, mainUsage())
		return exitOK
	}
	c, ok := findCommand(name)
	if !ok {
		fmt.Fprintf(stderr, "ann: unknown command %q (run \"ann help\" for the list)\n", name)
		return exitUsage
	}
	e := &env{stdout: stdout, stderr: stderr, cmd: "ann " + name}
	// -threads changes GOMAXPROCS for the run; put it back so that
	// in-process callers (tests) are not affected.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	err := c.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, c.usage)
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %s (see \"ann help %s\")\n", e.cmd, oneLine(err), name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", e.cmd, oneLine(err))
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	return exitFailure
}

// oneLine flattens an error message onto one line and drops the library's
// repeated "ann: " prefixes, which the command name already says.
func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", "; ")
	s = strings.TrimPrefix(s, "ann: ")
	return strings.ReplaceAll(s, ": ann: ", ": ")
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// parseFlags parses args with fs, turning the flag package's errors into
// one-line usage errors and refusing stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags go before it? all flags start with -)", fs.Arg(0))
	}
	return nil
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	m := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { m[f.Name] = true })
	return m
}

// sortedKeys returns m's keys in order, for deterministic messages.
func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
