// Package store keeps every run, with its events exactly as they were
// streamed, so that runs can be listed, replayed and shared after the
// server restarts: in one SQLite file, or in a PostgreSQL database. Both
// back ends satisfy Store and pass the same tests.
//
// It knows nothing of HTTP or of the runner: events are opaque JSON values
// and statuses are opaque strings, stored and returned byte for byte. Of the
// event vocabulary it takes only the form of a run id (package event).
package store

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"
)

// DefaultFile is the database file used when the caller names none.
const DefaultFile = "playground.db"

// Errors returned by Open, wrapped with the store's location and the
// cause; test them with errors.Is.
var (
	ErrCorrupt     = errors.New("the database is corrupt or is not a playground database")
	ErrLocked      = errors.New("the database is locked by another process")
	ErrUnwritable  = errors.New("the database cannot be created or written")
	ErrUnreachable = errors.New("the database server cannot be reached or refused the connection")
)

// Store is what the server and the command line use of a store; *DB
// (SQLite) and *Postgres implement it. It is safe for concurrent use.
type Store interface {
	// CreateRun stores a new run with status running (see DB.CreateRun).
	CreateRun(ctx context.Context, r *Run) error
	// AppendEvents adds events to the end of a running run, as one chunk.
	AppendEvents(ctx context.Context, runID string, events []json.RawMessage) error
	// FinishRun completes a running run and appends f.Events, at once.
	FinishRun(ctx context.Context, runID string, f Finish) error
	// NewRecorder batches a running run's events into chunks.
	NewRecorder(ctx context.Context, id string) *Recorder
	// MarkInterrupted gives the runs left running that started before
	// startedBefore (all of them when it is zero) the status interrupted.
	MarkInterrupted(ctx context.Context, startedBefore time.Time) (int, error)

	// GetRun returns a run with all its events.
	GetRun(ctx context.Context, id string) (*Run, error)
	// ListRuns returns the runs that match f, newest first.
	ListRuns(ctx context.Context, f Filter) ([]RunSummary, error)
	// CountRuns returns how many runs are stored.
	CountRuns(ctx context.Context) (int, error)
	// Progress returns a learner's runs and solved runs per lesson.
	Progress(ctx context.Context, learner string) (map[string]LessonProgress, error)

	// SetNickname records a learner's nickname for later runs.
	SetNickname(ctx context.Context, learner, nickname string) error
	// Nickname returns a learner's nickname, or "".
	Nickname(ctx context.Context, learner string) (string, error)

	// Prune deletes all but the newest keep runs.
	Prune(ctx context.Context, keep, batch int) (int, error)
	// StartRetention prunes in the background until Close.
	StartRetention(cfg Retention)

	// Check reports whether the stored data is sound.
	Check(ctx context.Context) error
	// Path says where the runs are kept, fit for a log: the file's
	// absolute path, or the URL without its password.
	Path() string
	// Close stops background work and closes the store.
	Close() error

	// Classroom keeps classes, their learners and their progress
	// (classes.go).
	Classroom
}

// Options adjust Open. The zero value gives the defaults.
type Options struct {
	// BusyTimeout is how long SQLite waits for another process's lock;
	// 0 means DefaultBusyTimeout. PostgreSQL does not use it.
	BusyTimeout time.Duration
	// Readers is the size of SQLite's read-only pool; 0 means one per
	// CPU, at least 4. A PostgreSQL store keeps as many connections plus
	// one, unless its URL sets pool_max_conns.
	Readers int
	// Now is the clock used for timestamps; nil means time.Now.
	Now func() time.Time
}

// Open opens the store that dsn names and brings its schema up to date: a
// postgres:// or postgresql:// URL is a PostgreSQL database (see
// OpenPostgres); anything else is the path of a SQLite file, created if
// missing (see OpenSQLite; "" is DefaultFile). Errors wrap ErrCorrupt,
// ErrLocked, ErrUnwritable or ErrUnreachable when the cause is one of
// those, and name the store as Location does.
func Open(ctx context.Context, dsn string) (Store, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opts Options) (Store, error) {
	if IsPostgres(dsn) {
		return OpenPostgres(ctx, dsn, opts)
	}
	return OpenSQLite(dsn, opts)
}

// IsPostgres reports whether dsn is a PostgreSQL URL rather than a file.
func IsPostgres(dsn string) bool {
	scheme, _, ok := strings.Cut(dsn, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// Location is dsn as it may be shown in a log or an error: a PostgreSQL
// URL without its password (in the user part or the query), a file path
// as it is.
func Location(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// Not shown: it may hold a password where it failed to parse.
		return "postgres://(a URL that does not parse)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
