package store_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"mpplayground/store"
)

// The PostgreSQL back end's own machinery: opening, migrations, errors,
// Check, and how its chunks are kept. What it shares with SQLite is
// tested against both by the rest of the suite.

func TestOpenPostgres(t *testing.T) {
	ctx := context.Background()

	t.Run("AURLOpensPostgreSQLAndAPathSQLite", func(t *testing.T) {
		if _, ok := MustOpenPath(t, pg.NewSchema(t)).(*store.Postgres); !ok {
			t.Error("a postgres:// URL did not open a PostgreSQL store")
		}
		if _, ok := MustOpenPath(t, filepath.Join(t.TempDir(), "x.db")).(*store.DB); !ok {
			t.Error("a path did not open a SQLite store")
		}
	})

	t.Run("MigrationsAppliedOnce", func(t *testing.T) {
		url := pg.NewSchema(t)
		for i := 0; i < 3; i++ {
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := mustPgx(t, url).QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		entries, _ := filepath.Glob("migrations/postgres/*.sql")
		if n != len(entries) || n == 0 {
			t.Fatalf("%d migrations recorded, %d files", n, len(entries))
		}
	})

	t.Run("ServersStartingTogetherMigrateOnce", func(t *testing.T) {
		url := pg.NewSchema(t)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				db, err := store.Open(ctx, url)
				if err == nil {
					err = db.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("BothBackEndsHaveTheSameMigrations", func(t *testing.T) {
		// A migration is numbered the same in both, so that a version of
		// the schema means one thing whichever the back end.
		sqlite, _ := filepath.Glob("migrations/*.sql")
		postgres, _ := filepath.Glob("migrations/postgres/*.sql")
		var a, b []string
		for _, p := range sqlite {
			a = append(a, filepath.Base(p))
		}
		for _, p := range postgres {
			b = append(b, filepath.Base(p))
		}
		if strings.Join(a, " ") != strings.Join(b, " ") || len(a) == 0 {
			t.Fatalf("SQLite's migrations %v, PostgreSQL's %v", a, b)
		}
	})

	t.Run("ErrUnreachableWithoutAServerAndThePasswordUnsaid", func(t *testing.T) {
		url := "postgres://learner:s3cret-pw@/playground?host=" + t.TempDir() + "&connect_timeout=5"
		_, err := store.Open(ctx, url)
		if !errors.Is(err, store.ErrUnreachable) {
			t.Fatalf("Open = %v, want ErrUnreachable", err)
		}
		msg := err.Error()
		if strings.Contains(msg, "s3cret-pw") {
			t.Fatalf("the error shows the password: %s", msg)
		}
		if !strings.HasPrefix(msg, "open store postgres://learner:xxxxx@") {
			t.Fatalf("the error does not name the store: %s", msg)
		}
		t.Log(err)
	})

	t.Run("ErrCorruptForTablesOfAnotherShape", func(t *testing.T) {
		url := pg.NewSchema(t)
		if _, err := mustPgx(t, url).Exec(ctx, `CREATE TABLE runs (x int)`); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(ctx, url)
		if !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("Open = %v, want ErrCorrupt", err)
		}
		t.Log(err)
	})

	t.Run("CheckFindsARunWhoseEventsDoNotMatch", func(t *testing.T) {
		url := pg.NewSchema(t)
		db := MustOpenPath(t, url)
		r := MustCreateRun(t, db, "l", "a")
		if err := db.AppendEvents(ctx, r.ID, events(r.ID, 30)); err != nil {
			t.Fatal(err)
		}
		if err := db.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := mustPgx(t, url).Exec(ctx, `UPDATE runs SET event_count = 31`); err != nil {
			t.Fatal(err)
		}
		if err := db.Check(ctx); !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), r.ID) {
			t.Fatalf("Check = %v, want ErrCorrupt naming %s", err, r.ID)
		}
	})
}

func TestLocationHidesThePassword(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://ada:pw@db.example:5432/runs":         "postgres://ada:xxxxx@db.example:5432/runs",
		"postgresql://ada@db/runs?password=pw&x=1":       "postgresql://ada@db/runs?password=xxxxx&x=1",
		"postgres://db/runs":                             "postgres://db/runs",
		"/var/lib/playground/playground.db":              "/var/lib/playground/playground.db",
		"runs.db":                                        "runs.db",
		"postgres://ada:pw@db/%zz":                       "postgres://(a URL that does not parse)",
		"POSTGRES://ada:pw@db/runs":                      "postgres://ada:xxxxx@db/runs",
		"file:postgres://ada:pw@db/runs is a file name?": "file:postgres://ada:pw@db/runs is a file name?",
	} {
		if got := store.Location(dsn); got != want {
			t.Errorf("Location(%q) = %q, want %q", dsn, got, want)
		}
	}
}

// The chunks of a run are the same bytes in both back ends: one row per
// batch (not per event), with the encoding of store/chunk.go.
func TestChunksAreStoredAlikeInBothBackEnds(t *testing.T) {
	ctx := context.Background()
	sqlitePath := filepath.Join(t.TempDir(), store.DefaultFile)
	pgURL := pg.NewSchema(t)
	const n = store.RecorderMaxEvents*2 + 100
	type chunk struct {
		first, count, codec int
		data                []byte
	}
	var chunks [2][]chunk
	for i, dsn := range []string{sqlitePath, pgURL} {
		db := MustOpenPath(t, dsn)
		r := &store.Run{RunSummary: store.RunSummary{ID: "AAAAAAAAAAAAAAAAAAAAAA", Lesson: "l", Learner: "a"}}
		if err := db.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		rec := db.NewRecorder(ctx, r.ID)
		for _, e := range events(r.ID, n) {
			if err := rec.Add(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := rec.Finish(ctx, store.Finish{Status: "ok"}); err != nil {
			t.Fatal(err)
		}
		q := `SELECT first, count, codec, data FROM run_chunks ORDER BY first`
		if i == 0 {
			rows, err := mustRaw(t, sqlitePath).Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var c chunk
				if err := rows.Scan(&c.first, &c.count, &c.codec, &c.data); err != nil {
					t.Fatal(err)
				}
				chunks[i] = append(chunks[i], c)
			}
			rows.Close()
		} else {
			rows, _ := mustPgx(t, pgURL).Query(ctx, q)
			var err error
			chunks[i], err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (chunk, error) {
				var c chunk
				err := row.Scan(&c.first, &c.count, &c.codec, &c.data)
				return c, err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(chunks[1]) != 3 {
		t.Fatalf("PostgreSQL holds %d chunks for %d events in 3 batches", len(chunks[1]), n)
	}
	if len(chunks[0]) != len(chunks[1]) {
		t.Fatalf("SQLite holds %d chunks, PostgreSQL %d", len(chunks[0]), len(chunks[1]))
	}
	for i := range chunks[0] {
		a, b := chunks[0][i], chunks[1][i]
		if a.first != b.first || a.count != b.count || a.codec != b.codec || !bytes.Equal(a.data, b.data) {
			t.Fatalf("chunk %d: SQLite (%d, %d, codec %d, %d bytes), PostgreSQL (%d, %d, codec %d, %d bytes)",
				i, a.first, a.count, a.codec, len(a.data), b.first, b.count, b.codec, len(b.data))
		}
	}
}

// mustPgx connects to url as another program would, for the duration of
// the test.
func mustPgx(tb testing.TB, url string) *pgx.Conn {
	tb.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close(ctx) })
	return c
}
