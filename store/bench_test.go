package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mpplayground/store"
)

// Benchmark sizes, matching the speed targets of the store's issue.
const (
	benchRuns        = 10000 // runs stored in the one lesson
	benchLearners    = 200   // learners sharing them
	benchRunEvents   = 40    // events of each of those runs
	benchLargeEvents = 5000  // events of the run read by GetRun
)

// benchSource is a lesson-sized program.
var benchSource = strings.Repeat("from multiprocessing import Pool\nprint('hello from a worker')\n", 20)

// Each benchmark runs against each back end (BenchmarkListRuns/SQLite/...,
// BenchmarkListRuns/PostgreSQL/...), a real file or a real server.

// BenchmarkListRuns lists one learner's history of a lesson that has
// benchRuns runs by benchLearners learners (target: < 20 ms).
func BenchmarkListRuns(b *testing.B) { benchBackends(b, benchListRuns) }

func benchListRuns(b *testing.B, be backend) {
	ctx := context.Background()
	db := be.MustOpen(b)
	evs := events("bench", benchRunEvents)
	for i := 0; i < benchRuns; i++ {
		r := &store.Run{RunSummary: store.RunSummary{Lesson: "pools", Learner: fmt.Sprintf("anon-%03d", i%benchLearners), Source: benchSource}}
		if err := db.CreateRun(ctx, r); err != nil {
			b.Fatal(err)
		}
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok", Events: evs}); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		f    store.Filter
		want int
	}{
		{"LearnerLesson", store.Filter{Learner: "anon-123", Lesson: "pools"}, store.DefaultListLimit},
		{"LearnerLessonAll50", store.Filter{Learner: "anon-123", Lesson: "pools", Limit: 100}, benchRuns / benchLearners},
		{"Lesson", store.Filter{Lesson: "pools"}, store.DefaultListLimit},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				list, err := db.ListRuns(ctx, bc.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(list) != bc.want {
					b.Fatalf("%d runs listed, want %d", len(list), bc.want)
				}
			}
		})
	}
}

// BenchmarkGetRun reads a run of benchLargeEvents events, stored by a
// Recorder (target: well under 200 ms).
func BenchmarkGetRun(b *testing.B) { benchBackends(b, benchGetRun) }

func benchGetRun(b *testing.B, be backend) {
	ctx := context.Background()
	db := be.MustOpen(b)
	r := MustCreateRun(b, db, "pools", "anon")
	evs := events(r.ID, benchLargeEvents)
	rec := db.NewRecorder(ctx, r.ID)
	raw := 0
	for _, e := range evs {
		raw += len(e)
		if err := rec.Add(e); err != nil {
			b.Fatal(err)
		}
	}
	if err := rec.Finish(ctx, store.Finish{Status: "ok"}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(raw))
	for b.Loop() {
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			b.Fatal(err)
		}
		if len(got.Events) != benchLargeEvents {
			b.Fatalf("%d events", len(got.Events))
		}
	}
}

// BenchmarkRecordRun stores a whole run of 200 events as the server does:
// CreateRun, Recorder.Add per event, Recorder.Finish.
func BenchmarkRecordRun(b *testing.B) { benchBackends(b, benchRecordRun) }

func benchRecordRun(b *testing.B, be backend) {
	ctx := context.Background()
	db := be.MustOpen(b)
	evs := events("bench", 200)
	for b.Loop() {
		r := MustCreateRun(b, db, "pools", "anon")
		rec := db.NewRecorder(ctx, r.ID)
		for _, e := range evs {
			if err := rec.Add(e); err != nil {
				b.Fatal(err)
			}
		}
		if err := rec.Finish(ctx, store.Finish{Status: "ok"}); err != nil {
			b.Fatal(err)
		}
	}
}
