package runner

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/benchprog"
)

// BenchmarkOverhead runs each program bare (python3 FILE) and in the
// sandbox, alternately, and reports the medians. It fails when the
// sandbox costs more than the issue allows: 25 ms on a trivial program,
// 1.25x on a Pool(4).map.
//
//	go test -run '^$' -bench Overhead -benchtime 1x ./runner
func BenchmarkOverhead(b *testing.B) {
	r := testRunner(b)
	const rounds = 30
	for _, tc := range []struct {
		name    string
		program string
		check   func(bare, sandboxed time.Duration) bool
		limit   string
	}{
		{"trivial", benchprog.Trivial, func(bare, sb time.Duration) bool { return sb-bare <= 25*time.Millisecond }, "at most 25 ms more"},
		{"pool4", benchprog.Pool4, func(bare, sb time.Duration) bool { return float64(sb) <= 1.25*float64(bare) }, "at most 1.25x"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			file := filepath.Join(dir, "main.py")
			if err := os.WriteFile(file, []byte(tc.program), 0o644); err != nil {
				b.Fatal(err)
			}
			var bare, sandboxed []time.Duration
			for range b.N * rounds {
				start := time.Now()
				cmd := exec.Command(r.PythonPath(), file)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("bare run: %v: %s", err, out)
				}
				bare = append(bare, time.Since(start))

				start = time.Now()
				res := r.Run(context.Background(), Request{Program: []byte(tc.program)}, func(event.Event) {})
				if res.Status != event.StatusOK {
					b.Fatalf("sandboxed run: %s", res.Status)
				}
				sandboxed = append(sandboxed, time.Since(start))
			}
			mb, ms := benchprog.Compare(b, bare, sandboxed, "sandbox", "overhead")
			if !tc.check(mb, ms) {
				b.Errorf("%s: sandbox median %v against bare %v; the floor is %s", tc.name, ms, mb, tc.limit)
			}
		})
	}
}

// queueProgram is the IPC benchmark: 10,000 puts and gets between two
// processes, the worst case for the tracing (the items are tiny), through
// five queues so that every item is reported (2,000 each: an object's
// share of a process's events).
const queueProgram = `
import multiprocessing as mp
def consumer(qs, n):
    for i in range(n):
        qs[i % len(qs)].get()
if __name__ == "__main__":
    qs = [mp.Queue() for _ in range(5)]
    n = 10000
    p = mp.Process(target=consumer, args=(qs, n))
    p.start()
    for i in range(n):
        qs[i % len(qs)].put(i)
    p.join()
`

// BenchmarkIPCCost runs the queue program with and without IPC events,
// alternately, and reports the median run durations (run.end's
// duration_ms) and their ratio. The floor of issue 8 is 1.5x.
//
//	go test -run '^$' -bench IPCCost -benchtime 1x ./runner
func BenchmarkIPCCost(b *testing.B) {
	r := testRunner(b)
	const rounds = 30
	var on, off []time.Duration
	run := func(noIPC bool) time.Duration {
		var d time.Duration
		res := r.Run(context.Background(), Request{Program: []byte(queueProgram), NoIPC: noIPC}, func(e event.Event) {
			if e.Type == event.TypeRunEnd {
				d = time.Duration(*e.DurationMS * float64(time.Millisecond))
			}
		})
		if res.Status != event.StatusOK {
			b.Fatalf("run: %s", res.Status)
		}
		return d
	}
	for range b.N * rounds {
		off = append(off, run(true))
		on = append(on, run(false))
	}
	mOff, mOn := benchprog.Median(off), benchprog.Median(on)
	b.ReportMetric(float64(mOff.Microseconds())/1000, "without-ms")
	b.ReportMetric(float64(mOn.Microseconds())/1000, "with-ms")
	b.ReportMetric(float64(mOn)/float64(mOff), "ratio")
}
