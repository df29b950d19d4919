package lessons

import (
	"fmt"
	"testing"

	"mpplayground/event"
)

// benchRunEvents is a run of a main process and four workers that print
// 2,500 lines each, then end: 10,000 output events.
func benchRunEvents() []event.Event {
	zero, one := 0, 1
	evs := []event.Event{{Seq: 1, Type: event.TypeRunStart, RunID: "bench"}}
	add := func(e event.Event) { e.Seq = int64(len(evs) + 1); evs = append(evs, e) }
	add(event.Event{Type: event.TypeProcStart, PID: 1, PPID: &zero, Name: "MainProcess", Via: "exec"})
	for w := 2; w <= 5; w++ {
		add(event.Event{Type: event.TypeProcStart, PID: w, PPID: &one, Name: fmt.Sprintf("Process-%d", w-1), Via: "fork"})
	}
	for i := range 10000 {
		add(event.Event{Type: event.TypeOutput, PID: 2 + i%4, Stream: "stdout", Text: fmt.Sprintf("worker %d squared %d\n", 2+i%4, i)})
	}
	for w := 5; w >= 1; w-- {
		add(event.Event{Type: event.TypeProcExit, PID: w, Code: &zero})
	}
	ms := 420.0
	add(event.Event{Type: event.TypeRunEnd, Status: event.StatusOK, ExitCode: &zero, DurationMS: &ms})
	return evs
}

// BenchmarkJudgeARun judges a run of 10,000 output events against checks
// of every kind, as the server does: the events fed one by one as they
// stream, the results when the run has ended.
func BenchmarkJudgeARun(b *testing.B) {
	evs := benchRunEvents()
	checks := []Check{
		{Kind: KindProcesses, Equals: fptr(5)},
		{Kind: KindMaxAlive, Min: fptr(2)},
		{Kind: KindOutputContains, Text: "squared 9999"},
		{Kind: KindEveryExit, Code: iptr(0)},
	}
	b.ReportAllocs()
	for b.Loop() {
		j := NewJudge(checks)
		for _, e := range evs {
			j.Add(e)
		}
		if rs := j.Results(); !Passed(rs) {
			b.Fatalf("the checks failed: %+v", rs)
		}
	}
}

func fptr(v float64) *float64 { return &v }
func iptr(v int) *int         { return &v }
