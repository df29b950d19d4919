package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"mpplayground/event"
	"mpplayground/runner"
)

// Run runs one program in the sandbox and prints its events: JSON lines
// with --json, a readable transcript otherwise. It returns 0 when the run
// ended ok, 1 when it did not, 2 for bad usage.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: playground run [flags] FILE.py")
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print one JSON event per line and nothing else on stdout")
	rf := AddRunnerFlags(fs)
	stdinOn := fs.Bool("stdin", true, "pass this command's standard input to the program")
	ipc := fs.Bool("ipc", true, "report what flows between processes (queue.put, lock.acquire ...); false switches it off")
	startMethod := fs.String("start-method", "", "multiprocessing's default start method in the run: "+strings.Join(runner.StartMethods, ", ")+" (default: Python's)")
	if err := ParseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *startMethod != "" && !slices.Contains(runner.StartMethods, *startMethod) {
		fmt.Fprintf(stderr, "playground: -start-method is one of %s\n", strings.Join(runner.StartMethods, ", "))
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	program, r, status := rf.OpenProgram(stderr, fs.Arg(0))
	if r == nil {
		return status
	}
	defer r.Close()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	req := runner.Request{Program: program, NoIPC: !*ipc, StartMethod: *startMethod}
	if *stdinOn {
		req.Stdin = os.Stdin
	}
	var emit func(event.Event)
	if *asJSON {
		out := newLineWriter(stdout)
		defer out.Close()
		var buf []byte
		emit = func(e event.Event) {
			buf = append(e.AppendJSON(buf[:0]), '\n')
			out.Write(buf)
		}
	} else {
		tr := NewTranscript(stdout, isTerminal(stdout))
		emit = tr.Write
	}
	res := r.Run(ctx, req, emit)
	if res.Status != event.StatusOK {
		return 1
	}
	return 0
}

// isTerminal reports whether w is a terminal (for colours).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
