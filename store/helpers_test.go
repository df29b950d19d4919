package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"mpplayground/store"
)

// MustOpen opens a store in a fresh temporary directory and closes it at
// the end of the test.
func MustOpen(tb testing.TB) *store.DB {
	tb.Helper()
	return MustOpenPath(tb, filepath.Join(tb.TempDir(), store.DefaultFile))
}

// MustOpenPath opens the store at path and closes it at the end of the test.
func MustOpenPath(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(path)
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

// MustCreateRun stores a new running run of lesson by learner.
func MustCreateRun(tb testing.TB, db *store.DB, lesson, learner string) *store.Run {
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
