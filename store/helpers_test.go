package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mpplayground/internal/pgtest"
	"mpplayground/store"
)

// pg is the PostgreSQL server of the package's tests, started by the first
// test that needs it.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	if dsn := os.Getenv(crashHelperEnv); dsn != "" {
		crashHelper(dsn)
		os.Exit(0)
	}
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// backend is a kind of store that the suite runs against.
type backend struct {
	name string
	// place returns where a new, empty store can be opened: a file
	// path, or a database URL.
	place func(tb testing.TB) string
}

// backends are the back ends of package store: every test of the suite
// that is not about one back end's own machinery runs against each.
var backends = []backend{
	{"SQLite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), store.DefaultFile) }},
	// A schema of its own per store: as empty as a new database, and
	// made in a millisecond.
	{"PostgreSQL", func(tb testing.TB) string { return pg.NewSchema(tb) }},
}

// eachBackend runs test as one subtest per back end, named after it. The
// PostgreSQL subtest is skipped when PostgreSQL is not installed, or fails
// under CI=true.
func eachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// benchBackends is eachBackend for a benchmark.
func benchBackends(b *testing.B, bench func(b *testing.B, be backend)) {
	b.Helper()
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { bench(b, be) })
	}
}

// MustOpen opens a new, empty store of this back end and closes it at the
// end of the test.
func (b backend) MustOpen(tb testing.TB) store.Store {
	tb.Helper()
	return MustOpenPath(tb, b.place(tb))
}

// MustOpenPath opens the store that dsn names and closes it at the end of
// the test.
func MustOpenPath(tb testing.TB, dsn string) store.Store {
	tb.Helper()
	return MustOpenWith(tb, dsn, store.Options{})
}

// MustOpenWith is MustOpenPath with options.
func MustOpenWith(tb testing.TB, dsn string, opts store.Options) store.Store {
	tb.Helper()
	db, err := store.OpenWith(context.Background(), dsn, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// MustOpenSQLite opens a SQLite store in a fresh temporary directory, for
// the tests of SQLite's own machinery, and closes it at the end.
func MustOpenSQLite(tb testing.TB) *store.DB {
	tb.Helper()
	return MustOpenPath(tb, filepath.Join(tb.TempDir(), store.DefaultFile)).(*store.DB)
}

// MustCreateRun stores a new running run of lesson by learner.
func MustCreateRun(tb testing.TB, db store.Store, lesson, learner string) *store.Run {
	tb.Helper()
	r := &store.Run{RunSummary: store.RunSummary{Lesson: lesson, Learner: learner, Source: "print('hi')\n"}}
	if err := db.CreateRun(context.Background(), r); err != nil {
		tb.Fatal(err)
	}
	return r
}

// events returns n events of the shapes the runner streams, from run.start
// to run.end, with text that exercises escaping. The same (salt, n) always
// gives the same bytes.
func events(salt string, n int) []json.RawMessage {
	out := make([]json.RawMessage, 0, n)
	for i := 1; i <= n; i++ {
		var s string
		t := float64(i) * 0.137
		switch {
		case i == 1:
			s = fmt.Sprintf(`{"seq":1,"t":0,"type":"run.start","run_id":%q,"python":"3.12.3","limits":{"wall_time_ms":10000},"sandbox":{"enabled":true}}`, salt)
		case i == n:
			s = fmt.Sprintf(`{"seq":%d,"t":%g,"type":"run.end","status":"ok","exit_code":0,"duration_ms":%g,"message":""}`, i, t, t)
		case i%50 == 2:
			s = fmt.Sprintf(`{"seq":%d,"t":%g,"type":"proc.start","pid":%d,"ppid":1,"name":"Process-%d","via":"fork"}`, i, t, i, i)
		default:
			s = fmt.Sprintf(`{"seq":%d,"t":%g,"type":"output","pid":%d,"stream":"stdout","text":"%s line %d: café \u003cb\u003e \"q\" \\ tab\t\n"}`, i, t, 2+i%8, salt, i)
		}
		out = append(out, json.RawMessage(s))
	}
	return out
}

// fixedClock returns a clock that starts at a fixed time and advances one
// second per call.
func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}
