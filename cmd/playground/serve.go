package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/lessons"
	"mpplayground/runner"
	"mpplayground/store"
	"mpplayground/web"
)

// Timeouts of the HTTP server.
const (
	// shutdownTimeout is how long a stopping server waits for requests
	// and runs to end after SIGINT or SIGTERM.
	shutdownTimeout = 10 * time.Second
	// readHeaderTimeout bounds a client that opens a connection and
	// sends nothing (slowloris).
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	// slotStuckMargin is how long past its wall time a run may hold its
	// slot before /healthz reports the slot stuck (a run ends within a
	// second of its wall time; storing it takes milliseconds).
	slotStuckMargin = 30 * time.Second
)

// serveOptions are the flags of `playground serve`.
type serveOptions struct {
	Addr       string
	DB         string
	KeepRuns   int
	LessonsDir string
	MaxRuns    int
	MaxQueue   int
	// TeacherToken opens the teacher view (/teacher); empty: it is off.
	TeacherToken string
	// TeachersFile lists more teachers, a "name token" line each.
	TeachersFile string
	// PublicURL is the address learners open when it is not the server's
	// own (a proxy's); empty: only localhost and IP addresses are answered.
	PublicURL string
	Runner    *cli.RunnerFlags // the same limits and sandbox flags as `playground run`
	// NATS, when set, sends the programs to workers (`playground worker`)
	// over a NATS cluster; NATSEmbed runs a NATS server in this process
	// for them instead.
	NATS      natsFlags
	NATSEmbed string
}

func (o *serveOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.Addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&o.DB, "db", store.DefaultFile, "SQLite file in which runs are kept (created if missing), or the postgres:// URL of a PostgreSQL database")
	fs.IntVar(&o.KeepRuns, "keep-runs", store.DefaultKeepRuns, "newest runs kept; older ones are deleted in the background")
	fs.StringVar(&o.LessonsDir, "lessons", "", "folder of lessons that add to or replace the built-in ones")
	fs.IntVar(&o.MaxRuns, "max-runs", 0, "programs running at once (default: the number of CPUs)")
	fs.IntVar(&o.MaxQueue, "max-queue", 0, "programs waiting for a slot before new ones are refused (default 200)")
	fs.StringVar(&o.TeacherToken, "teacher-token", "", "`token` that opens the teacher view at /teacher (default: the view is off)")
	fs.StringVar(&o.TeachersFile, "teachers", "", "`file` of teachers who may sign in at /teacher, a line \"name token\" each (tokens of 16 characters or more); with --teacher-token or alone")
	fs.StringVar(&o.PublicURL, "public-url", "", "the `URL` learners open, when it is a name and not this server's address (a proxy's, such as https://play.example.org); "+
		"requests for any other name are refused (default: only localhost and IP addresses are answered)")
	o.Runner = cli.AddRunnerFlags(fs)
	o.NATS.add(fs, "`URLs` of the NATS servers (comma-separated) through which workers (playground worker) run the programs; this node runs none (default: programs run on this machine)")
	fs.StringVar(&o.NATSEmbed, "nats-embed", "", "run a NATS server in this process, listening on `host:port`, through which workers (playground worker --nats nats://host:port) run the programs")
}

// serveCmd serves the web application until SIGINT or SIGTERM.
func serveCmd(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var o serveOptions
	o.flags(fs)
	logFormat := addLogFormatFlag(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: playground [serve] [flags]\n\nServes the lessons on http://localhost:8080.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "playground serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	return untilSignal(logFormat, func(ctx context.Context, log *slog.Logger) error {
		return serve(ctx, o, log, nil)
	})
}

// untilSignal runs a long-lived command (serve, worker) with a context that
// SIGINT or SIGTERM ends and the logger of --log-format; it returns the
// exit status, 1 after a sentence on stderr when the command fails.
func untilSignal(f *logFormat, command func(context.Context, *slog.Logger) error) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := command(ctx, f.logger(os.Stderr)); err != nil {
		fmt.Fprintln(os.Stderr, "playground:", err)
		return 1
	}
	return 0
}

// serve wires the parts together and serves until ctx is done. ready, if
// not nil, is called with the listening address.
func serve(ctx context.Context, o serveOptions, log *slog.Logger, ready func(net.Addr)) error {
	if o.KeepRuns <= 0 {
		return fmt.Errorf("--keep-runs must be positive, not %d", o.KeepRuns)
	}
	if o.Runner == nil {
		o.Runner = cli.AddRunnerFlags(flag.NewFlagSet("defaults", flag.ContinueOnError))
	}
	rcfg, err := o.Runner.Config()
	if err != nil {
		return err
	}
	course, err := lessons.Load(o.LessonsDir)
	if err != nil {
		return fmt.Errorf("load lessons: %w", err)
	}
	cfg := web.Config{
		Logger:   log,
		MaxRuns:  o.MaxRuns,
		MaxQueue: o.MaxQueue,
		// A run ends within a second of its wall time: a slot held far
		// longer is stuck.
		SlotStuckAfter: cmp.Or(rcfg.Limits.WallTime, runner.DefaultWallTime) + slotStuckMargin,

		TeacherToken: o.TeacherToken,
		PublicURL:    o.PublicURL,
	}
	if cfg.Teachers, err = loadTeachers(o.TeachersFile); err != nil {
		return err
	}
	if o.NATS.URL != "" || o.NATSEmbed != "" {
		closeFleet, err := useFleet(ctx, &cfg, o, log)
		if err != nil {
			return err
		}
		defer closeFleet()
	} else {
		run, err := runner.New(rcfg)
		if err != nil {
			return fmt.Errorf("start runner: %w", err)
		}
		defer run.Close() // the warm inits; runs are over by then
		describeRunner(log, run)
		if err := checkUIDCapacity(run, o.MaxRuns); err != nil {
			return err
		}
		cfg.Executor, cfg.Sandbox = run, run
		cfg.SlotStuckAfter = run.Limits().WallTime + slotStuckMargin
	}

	shared := cfg.Fleet != nil // other web nodes may write to the database
	db, err := openStore(ctx, o.DB, o.KeepRuns, shared, log)
	if err != nil {
		return err
	}
	// Closed last: after the server has stopped and every run has ended
	// and been recorded.
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("close the database", "err", err)
		}
	}()

	lessonsReloader := web.NewLessonsReloader(o.LessonsDir, course, log)
	cfg.UseReloadableLessons(lessonsReloader)
	cfg.UseStore(db)
	app, err := web.New(cfg)
	if err != nil {
		return err
	}
	reloadOnHangUp(ctx, o.LessonsDir, lessonsReloader, o.TeachersFile, app, log)
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(app.CloseStreams) // open grids' event streams would hold Shutdown back
	log.Info("serving the playground", "url", browserURL(ln.Addr()), "public_url", o.PublicURL, "lessons", len(course.Lessons()))
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = errors.Join(srv.Shutdown(sctx), app.Shutdown(sctx))
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// openStore opens the database, marks the runs a crash left running as
// interrupted and starts retention. Its errors are one plain sentence that
// says what to do; a PostgreSQL URL is shown without its password. A
// database shared with other web nodes has their live runs in it: only
// runs older than any live one can be are marked, now and every
// abandonedSweep until ctx ends.
func openStore(ctx context.Context, dsn string, keep int, shared bool, log *slog.Logger) (store.Store, error) {
	path := store.Location(dsn)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		switch {
		case errors.Is(err, store.ErrCorrupt):
			return nil, fmt.Errorf("the database %s is damaged or is not a playground database; move it away or choose another file with --db (%w)", path, err)
		case errors.Is(err, store.ErrLocked):
			return nil, fmt.Errorf("the database %s is in use by another playground server; stop it or choose another file with --db (%w)", path, err)
		case errors.Is(err, store.ErrUnwritable) && store.IsPostgres(dsn):
			return nil, fmt.Errorf("the database %s cannot be written; grant its role the right to create and write tables, or choose another database with --db (%w)", path, err)
		case errors.Is(err, store.ErrUnwritable):
			return nil, fmt.Errorf("the database %s cannot be created or written; check the folder and its permissions, or choose another file with --db (%w)", path, err)
		case errors.Is(err, store.ErrUnreachable):
			return nil, fmt.Errorf("the database server of %s cannot be reached or refused the connection; check that it runs, the URL and the password, or choose another database with --db (%w)", path, err)
		}
		return nil, fmt.Errorf("the database %s cannot be opened (%w)", path, err)
	}
	var before time.Time // every run
	if shared {
		before = time.Now().Add(-abandonedAfter)
	}
	n, err := db.MarkInterrupted(ctx, before)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("the database %s cannot be written (%w)", path, err)
	}
	if n > 0 {
		log.Warn("runs left running by an earlier stop are marked interrupted", "runs", n)
	}
	if shared {
		go sweepAbandoned(ctx, db, log)
	}
	db.StartRetention(store.Retention{Keep: keep, OnError: func(err error) {
		log.Error("delete old runs", "err", err)
	}})
	log.Info("runs are kept", "db", db.Path(), "keep", keep)
	return db, nil
}

// A run whose web node stopped (crashed, or was killed) stays "running" in
// a shared database until a web node sweeps it: every abandonedSweep, runs
// started more than abandonedAfter ago, longer than any run may go on (the
// dispatch keeps a run's events as long), are marked interrupted.
const (
	abandonedAfter = 10 * time.Minute
	abandonedSweep = time.Minute
)

// sweepAbandoned marks the abandoned runs of a shared database until ctx
// ends (before the database is closed).
func sweepAbandoned(ctx context.Context, db store.Store, log *slog.Logger) {
	tick := time.NewTicker(abandonedSweep)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := db.MarkInterrupted(ctx, time.Now().Add(-abandonedAfter))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("mark abandoned runs", "err", err)
		case n > 0:
			log.Warn("runs whose web node stopped are marked interrupted", "runs", n)
		}
	}
}

// describeRunner says at start-up which protections guard the programs.
func describeRunner(log *slog.Logger, r *runner.Runner) {
	info := r.Info()
	log.Info("python", "path", r.PythonPath(), "version", r.PythonVersion())
	if !info.Enabled {
		log.Warn("the sandbox is off: programs run with this server's rights")
		return
	}
	log.Info("sandbox", "namespaces", info.Namespaces, "cgroup", info.Cgroup,
		"memory_limit", info.Memory, "pids_limit", info.Pids, "cpu_limit", info.CPU,
		"per_run_uids", r.PerRunUIDs())
	if p := r.CgroupProblem(); p != "" {
		log.Warn("sandbox limits", "problem", p)
	}
	if err := r.SandboxError(); err != nil {
		log.Error("the sandbox cannot be built on this machine; runs will fail", "err", err)
	}
}

// checkUIDCapacity refuses a uid range too small for --max-runs runs at
// once, which would otherwise fail runs only when the server is busy.
func checkUIDCapacity(r *runner.Runner, maxRuns int) error {
	if maxRuns <= 0 {
		maxRuns = runtime.NumCPU() // web.Config's default
	}
	if c := r.UIDCapacity(); c > 0 && c < maxRuns {
		return fmt.Errorf("--uid-range %s leaves room for only %d runs at once (the inits kept ready hold uids too), fewer than --max-runs %d; give a larger range", r.Info().UIDRange, c, maxRuns)
	}
	return nil
}

// browserURL is the address to open, e.g. http://localhost:8080 for ":8080".
func browserURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
