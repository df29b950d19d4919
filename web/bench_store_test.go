package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mpplayground/lessons"
	"mpplayground/store"
)

// Sizes and targets of the store's speed goals, measured as server time
// (the handler, without the network).
const (
	benchRuns          = 10000 // runs of the lesson in the store
	benchLearners      = 200   // learners sharing them (50 runs each)
	benchRunEvents     = 40    // events of each of those runs
	benchLargeEvents   = 5000  // events of the run the API serves
	lessonPageTarget   = 20 * time.Millisecond
	runAPITarget       = 200 * time.Millisecond
	benchLearnerFormat = "%032x"
)

// benchEvents are n events of the shapes the runner streams.
func benchEvents(n int) []json.RawMessage {
	out := make([]json.RawMessage, 0, n)
	for i := 1; i <= n; i++ {
		t := float64(i) * 0.21
		var s string
		switch {
		case i == 1:
			s = `{"seq":1,"t":0,"type":"run.start","run_id":"bench","python":"3.11.7","limits":{"wall_time_ms":10000},"sandbox":{"enabled":true}}`
		case i == n:
			s = fmt.Sprintf(`{"seq":%d,"t":%g,"type":"run.end","status":"ok","exit_code":0,"duration_ms":%g,"message":"The program finished."}`, i, t, t)
		default:
			s = fmt.Sprintf(`{"seq":%d,"t":%g,"type":"output","pid":%d,"stream":"stdout","text":"worker %d squares %d \u003c\u003e\n"}`, i, t, 10+i%4, i%4, i)
		}
		out = append(out, json.RawMessage(s))
	}
	return out
}

// serverTime serves req b.N times through the handler and fails the
// benchmark when the mean exceeds target.
func serverTime(b *testing.B, app http.Handler, req *http.Request, target time.Duration, check func(*httptest.ResponseRecorder)) {
	b.Helper()
	for b.Loop() {
		w := httptest.NewRecorder()
		app.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
		check(w)
	}
	if per := b.Elapsed() / time.Duration(b.N); per > target {
		b.Errorf("%v per request, the target is %v", per, target)
	}
}

// BenchmarkLessonPageWithHistory renders a lesson page whose lesson has
// benchRuns stored runs; the learner's history is listed on it.
func BenchmarkLessonPageWithHistory(b *testing.B) {
	ctx := context.Background()
	db := MustStore(b)
	evs := benchEvents(benchRunEvents)
	exercise, _ := json.Marshal(lessons.NewVerdict("", []lessons.Result{{Description: lessons.Text{"en": "exit 0"}, Passed: true}}))
	for i := range benchRuns {
		r := &store.Run{RunSummary: store.RunSummary{Lesson: "pool", Learner: fmt.Sprintf(benchLearnerFormat, i%benchLearners), Source: poolProgram}}
		if err := db.CreateRun(ctx, r); err != nil {
			b.Fatal(err)
		}
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok", Duration: 120 * time.Millisecond, Exercise: string(exercise), Events: evs}); err != nil {
			b.Fatal(err)
		}
	}
	cfg := Config{Catalog: testCatalog(), Executor: ExecutorFunc(nil), Logger: quietLogger()}
	cfg.UseStore(db)
	app, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	req := localRequest("GET", "/lessons/pool")
	req.Header.Set("Cookie", learnerCookie+"="+fmt.Sprintf(benchLearnerFormat, 123))
	b.ResetTimer()
	serverTime(b, app, req, lessonPageTarget, func(w *httptest.ResponseRecorder) {
		if n := strings.Count(w.Body.String(), `data-testid="history-item"`); n != historyLimit {
			b.Fatalf("%d runs listed, want %d", n, historyLimit)
		}
	})
}

// BenchmarkRunAPI serves /api/runs/<id> of a run of benchLargeEvents events.
func BenchmarkRunAPI(b *testing.B) {
	ctx := context.Background()
	db := MustStore(b)
	r := &store.Run{RunSummary: store.RunSummary{Lesson: "pool", Learner: fmt.Sprintf(benchLearnerFormat, 1), Source: poolProgram}}
	if err := db.CreateRun(ctx, r); err != nil {
		b.Fatal(err)
	}
	rec := db.NewRecorder(ctx, r.ID)
	evs := benchEvents(benchLargeEvents)
	size := 0
	for _, e := range evs {
		size += len(e)
		if err := rec.Add(e); err != nil {
			b.Fatal(err)
		}
	}
	if err := rec.Finish(ctx, store.Finish{Status: "ok"}); err != nil {
		b.Fatal(err)
	}
	cfg := Config{Catalog: testCatalog(), Executor: ExecutorFunc(nil), Logger: quietLogger()}
	cfg.UseStore(db)
	app, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	req := localRequest("GET", "/api/runs/"+r.ID)
	b.SetBytes(int64(size))
	b.ResetTimer()
	serverTime(b, app, req, runAPITarget, func(w *httptest.ResponseRecorder) {
		if !strings.Contains(w.Body.String(), `"seq":5000,`) {
			b.Fatal("the last event is missing")
		}
	})
}
