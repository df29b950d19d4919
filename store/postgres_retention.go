package store

import (
	"context"
	"fmt"
)

// StartRetention starts a goroutine that prunes the store to the newest
// cfg.Keep runs at once and then every cfg.Interval, until Close. Calling it
// again replaces the previous configuration. Servers sharing a database may
// each run it: they delete the same oldest runs, and a run deleted by one
// is skipped by the other.
func (db *Postgres) StartRetention(cfg Retention) { db.startRetention(cfg, db.Prune) }

// Prune deletes all but the newest keep runs (0 means DefaultKeepRuns),
// oldest first, at most batch runs (0 means DefaultPruneBatch) per
// statement, and returns how many it deleted; their chunks go with them.
// Nothing is given back to the file system by hand: autovacuum makes the
// space of deleted rows reusable, so with a steady number of runs the
// tables stop growing.
func (db *Postgres) Prune(ctx context.Context, keep, batch int) (int, error) {
	if keep <= 0 {
		keep = DefaultKeepRuns
	}
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	total := 0
	for {
		tag, err := db.pool.Exec(ctx, `DELETE FROM runs WHERE n IN (
			SELECT n FROM runs ORDER BY n
			LIMIT greatest(0, least($2, (SELECT count(*) FROM runs) - $1)))`, keep, batch)
		if err != nil {
			return total, fmt.Errorf("prune runs: %w", err)
		}
		deleted := int(tag.RowsAffected())
		total += deleted
		if deleted < batch {
			return total, nil
		}
	}
}
