package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
)

// DefaultBusyTimeout is how long a statement waits for a lock held by
// another process before it fails with "database is locked".
const DefaultBusyTimeout = 5 * time.Second

// journalSizeLimit caps the -wal file left behind after a checkpoint; without
// it the WAL keeps the size of its largest burst forever.
const journalSizeLimit = 64 << 20

// lockSuffix names the file, next to the database, that one process holds
// locked (flock) for as long as it has the database open for writing.
const lockSuffix = ".lock"

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is a store in one SQLite file. It is safe for concurrent use.
type DB struct {
	path string
	now  func() time.Time

	// w is the only connection that writes: SQLite allows one writer at
	// a time anyway, and queueing writers in Go (database/sql waits for
	// the connection) instead of in SQLite means they never meet
	// "database is locked" between each other.
	w *sql.DB
	// r is a pool of read-only connections; in WAL mode they read a
	// consistent snapshot while the writer commits.
	r *sql.DB

	lock *os.File

	background
}

// OpenSQLite opens the store in the SQLite file at path, creating the file
// if it does not exist ("" is DefaultFile), and brings its schema up to
// date. Only one process may have a store open at a time: it holds an flock
// on the file path+".lock" (left in place on Close). It fails with an error
// wrapping ErrCorrupt, ErrLocked or ErrUnwritable when the file cannot serve
// as the store.
func OpenSQLite(path string, opts Options) (*DB, error) {
	if path == "" {
		path = DefaultFile
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if opts.Readers <= 0 {
		opts.Readers = max(4, runtime.NumCPU())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{path: abs, now: opts.Now}
	if err := db.open(opts); err != nil {
		db.closeConns()
		return nil, openError(path, opts.BusyTimeout, err)
	}
	return db, nil
}

func (db *DB) open(opts Options) error {
	// Refuse a second server on the same file: it would mark the first
	// one's live runs as interrupted and prune under it.
	lock, err := os.OpenFile(db.path+lockSuffix, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	db.lock = lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("%w: another playground has it open (%s is held)", ErrLocked, lock.Name())
		}
		return err
	}

	ms := strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)
	// Every setting below is per connection, so it lives in the DSN and
	// is applied to each connection database/sql opens.
	wq := url.Values{}
	// WAL: readers never block the writer nor the writer readers, and a
	// commit is one append to the log.
	wq.Set("_journal_mode", "WAL")
	// Wait for a lock held by another process (a backup, the sqlite3
	// shell) instead of failing at once.
	wq.Set("_busy_timeout", ms)
	// BEGIN IMMEDIATE: a write transaction takes the write lock when it
	// starts, so it cannot fail half way on a read-to-write upgrade.
	wq.Set("_txlock", "immediate")
	// FULL: a run reported as finished survives a power cut, not only a
	// crash of the process (WAL with NORMAL may lose the last commits).
	wq.Set("_synchronous", "FULL")
	// Foreign keys are off by default in SQLite; the cascade from runs to
	// their event chunks depends on them.
	wq.Set("_foreign_keys", "on")
	// Incremental auto-vacuum lets retention return freed pages to the
	// file system (it only takes effect when the file is created).
	wq.Set("_auto_vacuum", "incremental")
	db.w = sql.OpenDB(connector{dsn: fileDSN(db.path, wq)})
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)

	// Connecting applies the DSN: a garbage file or an unwritable path
	// fails here. The migration transaction then proves we can write.
	if err := db.w.Ping(); err != nil {
		return err
	}
	if err := db.migrate(context.Background()); err != nil {
		return err
	}

	rq := url.Values{}
	// Readers open the file read-only: a bug cannot write through them.
	rq.Set("mode", "ro")
	rq.Set("_busy_timeout", ms)
	db.r = sql.OpenDB(connector{dsn: fileDSN(db.path, rq)})
	db.r.SetMaxOpenConns(opts.Readers)
	db.r.SetMaxIdleConns(opts.Readers)
	return db.r.Ping()
}

// fileDSN builds a file: URI so that a path with '?' or '#' is not taken
// for parameters.
func fileDSN(path string, q url.Values) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}
	return u.String()
}

// connector opens go-sqlite3 connections and applies the settings that the
// driver has no DSN parameter for.
type connector struct{ dsn string }

var driverWithHook = &sqlite3.SQLiteDriver{
	ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec("PRAGMA journal_size_limit = "+strconv.Itoa(journalSizeLimit), nil)
		return err
	},
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return driverWithHook.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return driverWithHook }

// openError turns what went wrong at open into one plain sentence that
// still wraps the cause.
func openError(path string, busyTimeout time.Duration, err error) error {
	var se sqlite3.Error
	switch {
	case errors.Is(err, ErrLocked):
		return fmt.Errorf("open store %s: %w", path, err)
	case errors.As(err, &se):
		switch se.Code {
		case sqlite3.ErrNotADB, sqlite3.ErrCorrupt, sqlite3.ErrFormat:
			return fmt.Errorf("open store %s: %w: %w", path, ErrCorrupt, err)
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return fmt.Errorf("open store %s: %w (waited %v): %w", path, ErrLocked, busyTimeout, err)
		case sqlite3.ErrCantOpen, sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrAuth:
			return fmt.Errorf("open store %s: %w: %w", path, ErrUnwritable, err)
		}
	case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist),
		errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.EROFS),
		errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("open store %s: %w: %w", path, ErrUnwritable, err)
	}
	return fmt.Errorf("open store %s: %w", path, err)
}

// migrate applies, in name order, every embedded migration not yet
// recorded in schema_migrations, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       TEXT PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		body, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, db.now().UnixMilli())
		return err
	})
}

// write runs fn in a write transaction (BEGIN IMMEDIATE) and commits it
// when fn returns nil.
func (db *DB) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Path is the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Check runs SQLite's full integrity check; it returns nil when the file is
// sound. It reads every page, so it takes time on a large store.
func (db *DB) Check(ctx context.Context) error {
	rows, err := db.r.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("check store: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("check store: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check store: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check store: %w: %v", ErrCorrupt, problems)
	}
	return nil
}

// Close stops background work and closes the database. The WAL is
// checkpointed into the main file so that a closed store is one file.
func (db *DB) Close() error {
	if !db.stopBackground() {
		return nil
	}
	return db.closeConns()
}

func (db *DB) closeConns() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	if db.lock != nil {
		errs = append(errs, db.lock.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}
