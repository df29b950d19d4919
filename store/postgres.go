package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/postgres/*.sql
var pgMigrationFS embed.FS

// pgMigrationLock is the key of the advisory lock under which a store
// migrates its database, so that servers starting together on one database
// apply each migration once.
const pgMigrationLock = 0x706c_6179_6772_6e64 // "playgrnd"

// Postgres is a store in a PostgreSQL database. It is safe for concurrent
// use. Unlike a SQLite file, nothing locks the database to one process:
// opening, migrating, writing and pruning are safe for several servers at
// once; servers that share it mark as interrupted only runs older than any
// live one can be (MarkInterrupted's startedBefore).
type Postgres struct {
	pool     *pgxpool.Pool
	location string // the URL without its password
	now      func() time.Time

	background
}

// OpenPostgres opens the store in the PostgreSQL database of url (a
// postgres:// URL as libpq reads it, pgxpool's pool_* parameters included)
// and brings its schema up to date, each migration in its own transaction
// under an advisory lock. The database must exist; the tables are created
// in the first schema of the search path. It fails with an error wrapping
// ErrUnreachable when the server cannot be reached or refuses the
// connection, ErrUnwritable when the role may not create or write the
// tables, and ErrCorrupt when the database holds tables of another shape.
func OpenPostgres(ctx context.Context, url string, opts Options) (*Postgres, error) {
	if opts.Readers <= 0 {
		opts.Readers = max(4, runtime.NumCPU())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	db := &Postgres{location: Location(url), now: opts.Now}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, fmt.Errorf("open store %s: the URL is not a valid PostgreSQL URL", db.location)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(opts.Readers + 1)
	}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, pgOpenError(db.location, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return nil, pgOpenError(db.location, err)
	}
	return db, nil
}

// pgOpenError turns what went wrong at open into one sentence that wraps
// the cause.
func pgOpenError(location string, err error) error {
	var pe *pgconn.PgError
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &pe):
		switch {
		case pe.Code == "42501", pe.Code == "25006": // insufficient_privilege, read_only_sql_transaction
			return fmt.Errorf("open store %s: %w: %w", location, ErrUnwritable, err)
		case pe.Code == "3D000", strings.HasPrefix(pe.Code, "28"): // no such database; authorization
			return fmt.Errorf("open store %s: %w: %w", location, ErrUnreachable, err)
		case strings.HasPrefix(pe.Code, "42"): // the tables exist with another shape
			return fmt.Errorf("open store %s: %w: %w", location, ErrCorrupt, err)
		}
	case errors.As(err, &ce):
		return fmt.Errorf("open store %s: %w: %w", location, ErrUnreachable, err)
	}
	return fmt.Errorf("open store %s: %w", location, err)
}

// pgMigrations are the embedded migrations' names, in order.
func pgMigrations() ([]string, error) {
	names, err := fs.Glob(pgMigrationFS, "migrations/postgres/*.sql")
	sort.Strings(names)
	return names, err
}

// migrate applies, in name order, every embedded migration not yet
// recorded in schema_migrations, each in its own transaction, holding
// the migration lock on one connection throughout.
func (db *Postgres) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(pgMigrationLock)); err != nil {
		return err
	}
	defer func() {
		// Unlock even when ctx is done; a lost connection drops the lock.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, int64(pgMigrationLock)); err != nil {
			conn.Conn().Close(uctx) //nolint:errcheck // the lock goes with the session
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       text        PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := pgMigrations()
	if err != nil {
		return err
	}
	for _, name := range names {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, name).Scan(&n); err != nil || n > 0 {
				return err
			}
			body, err := fs.ReadFile(pgMigrationFS, name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, name, db.now().UTC())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// Path is the database's URL without its password.
func (db *Postgres) Path() string { return db.location }

// checkProblemsShown bounds the runs named by Check's error.
const checkProblemsShown = 10

// Check verifies that the database is reachable, that every migration is
// applied, and that each run's stored chunks hold the events it counts,
// from 0 without gaps. It reads every chunk's header (not its data), so it
// takes time on a large store. Page-level soundness is the server's
// concern (checksums, amcheck), not the store's.
func (db *Postgres) Check(ctx context.Context) error {
	names, err := pgMigrations()
	if err != nil {
		return fmt.Errorf("check store: %w", err)
	}
	var applied []string
	rows, err := db.pool.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("check store: %w", err)
	}
	applied, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("check store: %w", err)
	}
	for _, name := range names {
		if !slices.Contains(applied, name) {
			return fmt.Errorf("check store: %w: migration %s is not applied", ErrCorrupt, name)
		}
	}
	// A run is sound when its chunks tile [0, event_count): each starts
	// where the one before ended, and the last ends at event_count.
	rows, err = db.pool.Query(ctx, `SELECT r.id FROM runs r LEFT JOIN LATERAL (
			SELECT coalesce(sum(count), 0) AS events,
			       bool_and(first = coalesce(prev_end, 0)) AS tiled
			FROM (SELECT first, count, lag(first + count) OVER (ORDER BY first) AS prev_end
			      FROM run_chunks WHERE run = r.n) c) c ON true
		WHERE c.events <> r.event_count OR NOT coalesce(c.tiled, true)
		ORDER BY r.n LIMIT $1`, checkProblemsShown)
	if err != nil {
		return fmt.Errorf("check store: %w", err)
	}
	bad, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("check store: %w", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("check store: %w: the events of runs %v do not match their counts", ErrCorrupt, bad)
	}
	return nil
}

// Close stops background work and closes the pool's connections.
func (db *Postgres) Close() error {
	if db.stopBackground() {
		db.pool.Close()
	}
	return nil
}
