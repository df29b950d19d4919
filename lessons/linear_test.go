package lessons

import (
	"runtime"
	"testing"
	"time"

	"mpplayground/event"
)

// floodEvents is a run whose one line is written in n pieces of one byte,
// as a hostile program may write it, with a checked line at the end.
func floodEvents(n int) []event.Event {
	zero := 0
	events := []event.Event{{Seq: 1, Type: event.TypeProcStart, PID: 1, PPID: &zero, Name: "MainProcess", Via: "exec"}}
	for i := range n {
		events = append(events, event.Event{Seq: int64(i + 2), T: 1, Type: event.TypeOutput, PID: 1, Stream: "stdout", Text: "x"})
	}
	events = append(events, event.Event{T: 2, Type: event.TypeOutput, PID: 1, Stream: "stdout", Text: "\ndone = 1\n"})
	return events
}

// Judging a run's checks costs time in proportion to its events, whatever
// the program wrote: twice the events take about twice the time.
func TestJudgingIsLinearInTheEvents(t *testing.T) {
	one := 1.0
	checks := []Check{{Kind: KindValue, Key: "done", Value: "1"}, {Kind: KindLines, Equals: &one, Pattern: "^x+$"}}
	// Each size measured in turn, the best of five of each, after a
	// collection: a busy machine's pauses, and the garbage of building
	// the events, are not charged to one size more than the other.
	sizes := [2]int{20_000, 80_000}
	runs := [2][]event.Event{floodEvents(sizes[0]), floodEvents(sizes[1])}
	best := [2]time.Duration{1 << 62, 1 << 62}
	for range 5 {
		for i, events := range runs {
			runtime.GC()
			start := time.Now()
			rs := Evaluate(checks, events)
			best[i] = min(best[i], time.Since(start))
			if !Passed(rs) {
				t.Fatalf("%d events: %+v", sizes[i], rs)
			}
		}
	}
	small, large := best[0], best[1]
	ratio := float64(large) / float64(small)
	t.Logf("20,000 events: %v; 80,000 events: %v; ratio %.1f (linear: 4, quadratic: 16)", small, large, ratio)
	// A quadratic cost gives 16, far over the bound.
	if ratio > 8 {
		t.Errorf("four times the events took %.1f times as long", ratio)
	}
}
