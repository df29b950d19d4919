package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"mpplayground/store"
)

func TestProgress(t *testing.T) { eachBackend(t, testProgress) }

func testProgress(t *testing.T, b backend) {
	ctx := context.Background()
	db := b.MustOpen(t)
	finish := func(lesson, learner, exercise string) {
		t.Helper()
		r := MustCreateRun(t, db, lesson, learner)
		solved := strings.Contains(exercise, `"solved":true`)
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok", Exercise: exercise, Solved: solved}); err != nil {
			t.Fatal(err)
		}
	}
	finish("pools", "ada", `{"exercise":"four","solved":true}`)
	finish("pools", "ada", `{"exercise":"four","solved":false}`)
	finish("pools", "ada", ``)
	finish("queues", "ada", `{"exercise":"","passed":true}`)
	finish("queues", "ada", `not json`)
	finish("pools", "bob", `{"solved":true}`)
	MustCreateRun(t, db, "pipes", "ada") // still running

	t.Run("CountsRunsAndSolvedRunsPerLesson", func(t *testing.T) {
		got, err := db.Progress(ctx, "ada")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]store.LessonProgress{"pools": {Runs: 3, Solved: 1}, "queues": {Runs: 2}, "pipes": {Runs: 1}}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: got %+v, want %+v", k, got[k], v)
			}
		}
	})
	t.Run("OnlyTheLearnersOwnRuns", func(t *testing.T) {
		got, err := db.Progress(ctx, "bob")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got["pools"] != (store.LessonProgress{Runs: 1, Solved: 1}) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("EmptyForAnUnknownLearner", func(t *testing.T) {
		got, err := db.Progress(ctx, "nobody")
		if err != nil || len(got) != 0 {
			t.Fatalf("got %v, %v", got, err)
		}
	})
}

// Runs kept in a SQLite file before the solved column get it from their
// stored verdict when the store is opened by this version. (No PostgreSQL
// store is older than the column.)
func TestTheSolvedColumnIsFilledFromOlderRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), store.DefaultFile)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The file as the version before the column left it, with two runs.
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		// Without the classes of 0003, which came after.
		`DROP TABLE class_roster`, `DROP TABLE class_members`, `DROP TABLE classes`,
		`DROP INDEX runs_learner_started`, `ALTER TABLE runs DROP COLUMN exercise_id`,
		`DELETE FROM schema_migrations WHERE name LIKE '%0003_classes.sql'`,
		`ALTER TABLE runs DROP COLUMN solved`,
		`DELETE FROM schema_migrations WHERE name = 'migrations/0002_solved.sql' OR name = '0002_solved.sql'`,
		`INSERT INTO runs (id, lesson, learner, source, started_at, status, exercise)
			VALUES ('a', 'pools', 'ada', '', 1, 'ok', '{"exercise":"four","passed":true,"solved":true}'),
			       ('b', 'pools', 'ada', '', 2, 'ok', '{"exercise":"","passed":true,"solved":false}')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var left int
	if err := raw.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("the older file has %d migrations (%v), want 1", left, err)
	}
	raw.Close()

	db = MustOpenPath(t, path)
	got, err := db.Progress(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.LessonProgress{Runs: 2, Solved: 1}); got["pools"] != want {
		t.Errorf("progress %+v, want %+v", got["pools"], want)
	}
}
