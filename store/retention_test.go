package store_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"mpplayground/store"
)

func TestRetention(t *testing.T) { eachBackend(t, testRetention) }

func testRetention(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("PruneKeepsTheNewestN", func(t *testing.T) {
		db := b.MustOpen(t)
		var ids []string
		for i := 0; i < 25; i++ {
			r := MustCreateRun(t, db, "l", "a")
			if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok", Events: events(r.ID, 20)}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		// Small batches: several transactions.
		n, err := db.Prune(ctx, 10, 4)
		if err != nil || n != 15 {
			t.Fatalf("Prune = %d, %v; want 15", n, err)
		}
		for i, id := range ids {
			_, err := db.GetRun(ctx, id)
			if kept := i >= 15; kept != (err == nil) {
				t.Fatalf("run %d: kept=%v, GetRun error %v", i, kept, err)
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
		}
		if n, err := db.Prune(ctx, 10, 4); err != nil || n != 0 {
			t.Fatalf("second Prune = %d, %v; want 0", n, err)
		}
		if err := db.Check(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("PruneDeletesEventsAndShrinksTheFile", func(t *testing.T) {
		if b.name != "SQLite" {
			t.Skip("a SQLite file's own pages; PostgreSQL's space is autovacuum's")
		}
		db := b.MustOpen(t)
		big := events("x", 3000) // about 100 KiB of events per run
		for i := 0; i < 60; i++ {
			r := MustCreateRun(t, db, "l", "a")
			if err := db.AppendEvents(ctx, r.ID, big); err != nil {
				t.Fatal(err)
			}
		}
		full := fileSize(t, db)
		if _, err := db.Prune(ctx, 5, 0); err != nil {
			t.Fatal(err)
		}
		pruned := fileSize(t, db)
		t.Logf("file: %d KiB with 60 runs, %d KiB after keeping 5", full>>10, pruned>>10)
		if pruned > full/3 {
			t.Fatalf("file %d bytes after pruning 55 of 60 runs, was %d", pruned, full)
		}
	})

	t.Run("BackgroundRetentionPrunesUntilClose", func(t *testing.T) {
		db := b.MustOpen(t)
		for i := 0; i < 30; i++ {
			MustCreateRun(t, db, "l", "a")
		}
		db.StartRetention(store.Retention{Keep: 7, Interval: 20 * time.Millisecond, Batch: 3,
			OnError: func(err error) { t.Error(err) }})
		waitCount(t, db, 7)
		// Later runs are pruned by later passes.
		for i := 0; i < 5; i++ {
			MustCreateRun(t, db, "l", "a")
		}
		waitCount(t, db, 7)
		// Close (by cleanup) stops the goroutine; the race detector and
		// the test's end would report one left writing.
	})
}

func waitCount(t *testing.T, db store.Store, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := db.CountRuns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs stored, want %d", n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fileSize is the size of the database file with its WAL checkpointed.
func fileSize(t *testing.T, db store.Store) int64 {
	t.Helper()
	raw := mustRaw(t, db.Path())
	if _, err := raw.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
