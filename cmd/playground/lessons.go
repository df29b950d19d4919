package main

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

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/event"
	"mpplayground/lessons"
	"mpplayground/runner"
)

const lessonsUsage = `Usage:
  playground lessons check [flags] [DIR]                 run every lesson's programs and verify their checks
  playground lessons try [flags] SLUG EXERCISE FILE.py   judge one program against one exercise's checks`

// lessonsCmd runs the lesson tools: `lessons check` and `lessons try`.
func lessonsCmd(args []string) int {
	if len(args) > 0 && args[0] == "try" {
		return lessonsTry(args[1:], os.Stdout, os.Stderr)
	}
	return lessonsCheck(args, os.Stdout, os.Stderr)
}

// startMethodFlag is -start-method: one of runner.StartMethods, or "" for
// Python's own default.
func startMethodFlag(fs *flag.FlagSet, list bool) *string {
	usage := "multiprocessing's default start method in every run: " + strings.Join(runner.StartMethods, ", ") + " (default: Python's own)"
	if list {
		usage += "; several, separated by commas, check the course under each in turn"
	}
	return fs.String("start-method", "", usage)
}

// parseStartMethods splits a -start-method value into its methods; "" is
// Python's own default.
func parseStartMethods(s string) ([]string, error) {
	if s == "" {
		return []string{""}, nil
	}
	var out []string
	for _, m := range strings.Split(s, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(runner.StartMethods, m) {
			return nil, fmt.Errorf("-start-method: %q is not one of %s", m, strings.Join(runner.StartMethods, ", "))
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// collect runs one program with r and returns its events.
func collect(ctx context.Context, r *runner.Runner, code, startMethod string) []event.Event {
	var events []event.Event
	r.Run(ctx, runner.Request{Program: []byte(code), StartMethod: startMethod}, func(e event.Event) {
		events = append(events, e)
	})
	return events
}

// lessonsCheck runs every lesson's example, reference solutions, starters
// and wrong answers in the sandbox and verifies their checks, once per
// start method asked for, one pass after another. It returns 0 when every lesson passed under
// every method, 1 when one did not, 2 for bad usage.
func lessonsCheck(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, lessonsUsage)
		return 2
	}
	fs := flag.NewFlagSet("lessons check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: playground lessons check [flags] [DIR]\n\nRuns every lesson (the built-in ones, plus those of DIR): the example and every reference\nsolution must pass their checks; every starter and every wrong answer (EXERCISE.wrong-*.py)\nmust fail one.\n\nFlags:")
		fs.PrintDefaults()
	}
	rf := cli.AddRunnerFlags(fs)
	startMethod := startMethodFlag(fs, true)
	only := fs.String("lesson", "", "check only these lessons: slugs separated by commas (default: all)")
	if err := cli.ParseFlags(fs, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	methods, err := parseStartMethods(*startMethod)
	if err != nil {
		fmt.Fprintf(stderr, "playground: %v\n", err)
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
	if *only != "" {
		if course, err = course.Only(strings.Split(*only, ",")); err != nil {
			fmt.Fprintf(stderr, "playground: -lesson: %v\n", err)
			return 2
		}
	}
	r, status := rf.Open(stderr, false)
	if r == nil {
		return status
	}
	defer r.Close()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	// The passes run one after another, as the lessons of a pass do: the
	// examples' timing and the course's time bounds assume a program does
	// not compete with another for the CPU (three passes at once on a
	// shared 2-core machine took longer than in turn, and ran out of time).
	passed := true
	for _, m := range methods {
		report := course.Verify(ctx, func(ctx context.Context, code string) ([]event.Event, error) {
			return collect(ctx, r, code, m), nil
		})
		if len(methods) > 1 || m != "" {
			fmt.Fprintf(stdout, "── start method %s\n", m)
		}
		if _, err := report.WriteTo(stdout); err != nil {
			return 1
		}
		passed = passed && report.Passed()
	}
	if !passed {
		return 1
	}
	return 0
}

// lessonsTry judges one program against the checks of one exercise, as the
// page does after a run, and prints the verdict: one line per check, what
// it wants and what was found. It returns 0 when every check passed, 1 when
// one did not, 2 for bad usage.
func lessonsTry(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lessons try", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: playground lessons try [flags] SLUG EXERCISE FILE.py\n\nRuns FILE.py in the sandbox and judges it against the checks of exercise EXERCISE of lesson\nSLUG, as the page does: a teacher can see whether a wrong answer passes.\n\nFlags:")
		fs.PrintDefaults()
	}
	rf := cli.AddRunnerFlags(fs)
	startMethod := startMethodFlag(fs, false)
	lang := fs.String("lang", lessons.DefaultLanguage, "language of the verdict: "+strings.Join(lessons.Languages, ", "))
	dir := fs.String("lessons", "", "folder of lessons that add to or replace the built-in ones")
	if err := cli.ParseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 3 {
		fs.Usage()
		return 2
	}
	if !slices.Contains(lessons.Languages, *lang) {
		fmt.Fprintf(stderr, "playground: -lang is one of %s\n", strings.Join(lessons.Languages, ", "))
		return 2
	}
	if *startMethod != "" && !slices.Contains(runner.StartMethods, *startMethod) {
		fmt.Fprintf(stderr, "playground: -start-method is one of %s\n", strings.Join(runner.StartMethods, ", "))
		return 2
	}
	slug, id, file := fs.Arg(0), fs.Arg(1), fs.Arg(2)
	course, err := lessons.Load(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "playground: %v\n", err)
		return 2
	}
	l, ok := course.Lesson(slug)
	if !ok {
		fmt.Fprintf(stderr, "playground: there is no lesson %q\n", slug)
		return 2
	}
	ex, ok := l.Exercise(id)
	if !ok {
		var ids []string
		for _, e := range l.Exercises {
			ids = append(ids, e.ID)
		}
		fmt.Fprintf(stderr, "playground: lesson %s has no exercise %q (it has: %s)\n", slug, id, strings.Join(ids, ", "))
		return 2
	}
	program, r, status := rf.OpenProgram(stderr, file)
	if r == nil {
		return status
	}
	defer r.Close()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	events := collect(ctx, r, string(program), *startMethod)
	results := lessons.Evaluate(ex.Checks, events)
	writeVerdict(stdout, ex.Title.In(*lang), events, results, *lang)
	if !lessons.Passed(results) {
		return 1
	}
	return 0
}

// verdictWords are the few words of a verdict, in each language (those of
// the page's checks card).
var verdictWords = map[string]map[string]string{
	"en": {"end": "the run ended %s: %s", "all": "all checks passed", "some": "not all checks passed: %d of %d"},
	"zh": {"end": "运行结束（%s）：%s", "all": "全部检查通过", "some": "有检查未通过：%d 项中通过 %d 项"},
}

// writeVerdict prints the exercise's title, how the run ended, one line per
// check (✓ or ✗, what it wants, what was found) and the summary.
func writeVerdict(w io.Writer, title string, events []event.Event, results []lessons.Result, lang string) {
	words := verdictWords[lang]
	fmt.Fprintln(w, title)
	for _, e := range events {
		if e.Type == event.TypeRunEnd {
			fmt.Fprintf(w, words["end"]+"\n", e.Status, e.Message)
		}
	}
	passed := 0
	for _, r := range results {
		mark := "✗"
		if r.Passed {
			mark = "✓"
			passed++
		}
		line := mark + " " + r.Description.In(lang)
		if d := r.Detail.In(lang); d != "" {
			line += " — " + d
		}
		fmt.Fprintln(w, line)
	}
	if lessons.Passed(results) {
		fmt.Fprintln(w, "✓ "+words["all"])
		return
	}
	if lang == "zh" {
		fmt.Fprintf(w, words["some"]+"\n", len(results), passed)
		return
	}
	fmt.Fprintf(w, words["some"]+"\n", passed, len(results))
}
