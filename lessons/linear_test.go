package lessons

import (
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
	measure := func(n int) time.Duration {
		events := floodEvents(n)
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			rs := Evaluate(checks, events)
			if d := time.Since(start); d < best {
				best = d
			}
			if !Passed(rs) {
				t.Fatalf("%d events: %+v", n, rs)
			}
		}
		return best
	}
	small, large := measure(20_000), measure(80_000)
	ratio := float64(large) / float64(small)
	t.Logf("20,000 events: %v; 80,000 events: %v; ratio %.1f (linear: 4, quadratic: 16)", small, large, ratio)
	// The best of three of each keeps a busy machine's noise out; a
	// quadratic cost gives 16, far over the bound.
	if ratio > 8 {
		t.Errorf("four times the events took %.1f times as long", ratio)
	}
}
