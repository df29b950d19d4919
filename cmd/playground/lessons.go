package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"mpplayground/event"
	"mpplayground/lessons"
	"mpplayground/runner"
)

// lessonsCmd runs the lesson tools: `lessons check [DIR]` runs every
// lesson's example, reference solutions and starters in the sandbox and
// verifies their checks. It returns 0 when every lesson passed, 1 when one
// did not, 2 for bad usage.
func lessonsCmd(args []string) int {
	return lessonsCheck(args, os.Stdout, os.Stderr)
}

func lessonsCheck(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, "Usage: playground lessons check [flags] [DIR]")
		return 2
	}
	fs := flag.NewFlagSet("lessons check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: playground lessons check [flags] [DIR]\n\nRuns every lesson (the built-in ones, plus those of DIR) and verifies its checks.\n\nFlags:")
		fs.PrintDefaults()
	}
	rf := addRunnerFlags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	course, err := lessons.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "playground: %v\n", err)
		return 1
	}
	r, status := rf.open(stderr, false)
	if r == nil {
		return status
	}
	defer r.Close()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	run := func(ctx context.Context, code string) ([]event.Event, error) {
		var events []event.Event
		r.Run(ctx, runner.Request{Program: []byte(code)}, func(e event.Event) {
			events = append(events, e)
		})
		return events, nil
	}
	report := course.Verify(ctx, run)
	if _, err := report.WriteTo(stdout); err != nil {
		return 1
	}
	if !report.Passed() {
		return 1
	}
	return 0
}
