// Command classroom-load measures the server under a classroom's load: N
// learners press Run on the same lesson within a few seconds, each over
// its own WebSocket, and the command reports how long they waited, how
// many runs failed and how much memory the server needed.
//
//	go run ./cmd/classroom-load [flags] [-- SERVER FLAGS]
//
// Without --url it builds ./cmd/playground, starts it on a free port with
// a fresh database and the SERVER FLAGS, and measures its memory and the
// CPU time of every run; with --url it loads a running server (give --pid
// for its memory and CPU figures). It exits 1 when a floor is missed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"mpplayground/lessons"
)

// Defaults of the flags.
const (
	defaultClients  = 60
	defaultSpread   = 2 * time.Second
	defaultLesson   = "pool-map"
	defaultBaseline = 5
)

type options struct {
	clients  int
	spread   time.Duration
	lesson   string
	url      string
	pid      int
	baseline int
	seed     uint64
	asJSON   bool
	failures string   // folder for the messages of failed runs
	binary   string   // a built playground binary; "" builds ./cmd/playground
	server   []string // flags for a server this command starts
}

func main() {
	o := parseFlags(os.Args[1:])
	rep, err := run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classroom-load:", err)
		os.Exit(1)
	}
	if o.asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		rep.print(os.Stdout)
	}
	if !rep.FloorMet {
		os.Exit(1)
	}
}

// parseFlags reads the command line; it exits 0 after --help and 2 on a
// flag it cannot use.
func parseFlags(args []string) options {
	var o options
	fs := flag.NewFlagSet("classroom-load", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: classroom-load [flags] [-- SERVER FLAGS]\n\n"+
			"N WebSocket clients press Run on a lesson's example within --spread; reports completion\n"+
			"times, queue wait, errors and the server's memory. Exits 1 when a floor is missed.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.IntVar(&o.clients, "n", defaultClients, "learners pressing Run")
	fs.DurationVar(&o.spread, "spread", defaultSpread, "the presses are spread at random over this time")
	fs.StringVar(&o.lesson, "lesson", defaultLesson, "slug of the lesson whose example is run")
	fs.StringVar(&o.url, "url", "", "load this running server (e.g. http://localhost:8080) instead of starting one")
	fs.StringVar(&o.binary, "server", "", "playground binary to start (default: build ./cmd/playground; run from the module)")
	fs.IntVar(&o.pid, "pid", 0, "with --url: the server's process id, for its memory and CPU time")
	fs.IntVar(&o.baseline, "baseline", defaultBaseline, "runs of the example one after another, before the load, to measure the CPU work of one run")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random press times")
	fs.BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	fs.StringVar(&o.failures, "failures", "", "write what the learners of failed runs received to files in this folder")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	o.server = fs.Args()
	if o.clients < 1 || o.spread < 0 || o.baseline < 0 {
		fmt.Fprintln(os.Stderr, "classroom-load: -n must be positive, -spread and -baseline not negative")
		os.Exit(2)
	}
	return o
}

// run loads the server (one started here unless o.url is set): the
// baseline runs one after another, then the class at once.
func run(ctx context.Context, o options) (*report, error) {
	course, err := lessons.Load("")
	if err != nil {
		return nil, err
	}
	lesson, ok := course.Lesson(o.lesson)
	if !ok {
		return nil, fmt.Errorf("no built-in lesson %q", o.lesson)
	}
	base, pid := o.url, o.pid
	if base == "" {
		srv, err := startServer(ctx, o.binary, o.server)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		base, pid = srv.url, srv.cmd.Process.Pid
	}
	wsURL, err := websocketURL(base)
	if err != nil {
		return nil, err
	}
	rep := &report{Clients: o.clients, Spread: o.spread.String(), Lesson: o.lesson, Cores: runtime.NumCPU(), Server: base}
	if o.baseline > 0 && pid > 0 {
		if err := measureBaseline(ctx, wsURL, o, lesson.Example, pid, rep); err != nil {
			return nil, err
		}
	}
	results := loadClass(ctx, wsURL, o, lesson.Example, pid, rep)
	rep.summarise(results)
	if o.failures != "" {
		if err := writeFailures(o.failures, results); err != nil {
			return nil, err
		}
	}
	return rep, nil
}
