package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// incrementalVacuumStep is the number of pages released per statement (4 MiB).
const incrementalVacuumStep = 1024

// StartRetention starts a goroutine that prunes the store to the newest
// cfg.Keep runs at once and then every cfg.Interval, until Close. Calling it
// again replaces the previous configuration.
func (db *DB) StartRetention(cfg Retention) { db.startRetention(cfg, db.Prune) }

// Prune deletes all but the newest keep runs (0 means DefaultKeepRuns),
// oldest first, at most batch runs (0 means DefaultPruneBatch) per write
// transaction so that live runs are never held up for long, and returns how
// many it deleted.
//
// What keeps the file bounded: deleted runs free their pages, and SQLite
// reuses free pages before it grows the file, so with a steady number of
// runs the file stops growing. The database is created with incremental
// auto-vacuum, and after deleting, Prune returns the free pages beyond a
// slack of a tenth of the file to the file system, in bounded steps, so the
// file also shrinks after a burst or when keep is lowered. The -wal file is
// capped by journal_size_limit after each checkpoint.
func (db *DB) Prune(ctx context.Context, keep, batch int) (int, error) {
	if keep <= 0 {
		keep = DefaultKeepRuns
	}
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	total := 0
	for {
		var deleted int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			// count(*) reads the narrowest index, not the rows (whose
			// pages hold the programs); the oldest runs are then the
			// first rows of the table.
			var count int64
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs`).Scan(&count); err != nil {
				return err
			}
			excess := count - int64(keep)
			if excess <= 0 {
				return nil
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE n IN
				(SELECT n FROM runs ORDER BY n LIMIT ?)`, min(excess, int64(batch)))
			if err != nil {
				return err
			}
			deleted, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune runs: %w", err)
		}
		total += int(deleted)
		if deleted < int64(batch) {
			break
		}
	}
	if total > 0 {
		if err := db.releaseFreePages(ctx); err != nil {
			return total, fmt.Errorf("prune runs: %w", err)
		}
	}
	return total, nil
}

// releaseFreePages shrinks the file by the free pages beyond a tenth of it;
// the slack is kept for new runs to reuse without regrowing the file.
func (db *DB) releaseFreePages(ctx context.Context) error {
	last := int64(-1)
	for {
		var pages, free int64
		if err := db.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
			return err
		}
		if err := db.w.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
			return err
		}
		excess := free - pages/10
		// Stop when done, or when nothing moved (a file created
		// without auto-vacuum cannot release pages this way).
		if excess <= 0 || free == last {
			return nil
		}
		last = free
		// The pragma frees pages as it is stepped: read it to the end.
		rows, err := db.w.QueryContext(ctx, fmt.Sprintf(`PRAGMA incremental_vacuum(%d)`, min(excess, incrementalVacuumStep)))
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
	}
}
