package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mpplayground/lessons"
	"mpplayground/store"
)

// soakRuns is how many runs the soak test makes (PLAYGROUND_SOAK_RUNS
// changes it; -short makes 100).
func soakRuns(t *testing.T) int {
	if n, err := strconv.Atoi(os.Getenv("PLAYGROUND_SOAK_RUNS")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 100
	}
	return 2000
}

// serverState is what must return to its baseline after many runs.
type serverState struct {
	goroutines int
	fds        int
	heapMB     float64
	host       hostState
}

func observeServer(t *testing.T) serverState {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, _ := os.ReadDir("/proc/self/fd")
	return serverState{goroutines: runtime.NumGoroutine(), fds: len(fds),
		heapMB: float64(ms.HeapAlloc) / (1 << 20), host: stableHost(t)}
}

// Back-to-back runs of the lessons' examples and of quick attacks: the
// server's goroutines, descriptors and memory, and the host's cgroups,
// mounts and shared memory, return to their baseline.
func TestSoakReturnsToBaseline(t *testing.T) {
	requireSandbox(t)
	course, err := lessons.Load("")
	if err != nil {
		t.Fatal(err)
	}
	var programs []string
	for _, l := range course.Lessons() {
		programs = append(programs, l.Example)
	}
	lessonPrograms := len(programs)
	for _, a := range attacks() {
		if len(a.limit) > 0 && a.limit != "wall_time" {
			programs = append(programs, a.program)
		}
	}
	// The default limits (10 s): a lesson's CPU-heavy example must not
	// time out because the machine is busy with the rest of the suite.
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "soak.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 4}
	base, _ := startServe(t, o)

	// The status each lesson's example ends with in the warm-up; in the
	// soak it must end the same way (a run that hangs to its time limit
	// would not).
	var statusMu sync.Mutex
	statuses := map[int]string{}
	runMany := func(n int, warmUp bool) (failed int64) {
		const clients = 8
		var next, bad atomic.Int64
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := dialWS(t, base)
				defer c.Close()
				for {
					i := next.Add(1) - 1
					if i >= int64(n) {
						return
					}
					k := int(i) % len(programs)
					r, err := runWS(c, programs[k], nil)
					if err != nil || !r.End {
						if bad.Add(1) <= 3 {
							t.Logf("run %d did not end: %v (%d events)", i, err, len(r.Raws))
						}
						return
					}
					if k < lessonPrograms {
						end := heads(r.Raws)[len(r.Raws)-1]
						statusMu.Lock()
						if warmUp {
							statuses[k] = end.Status
						} else if statuses[k] != end.Status {
							t.Errorf("run %d of lesson example %d ended %s (%s), in the warm-up %s", i, k, end.Status, end.Message, statuses[k])
						}
						statusMu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		return bad.Load()
	}

	if failed := runMany(len(programs), true); failed > 0 {
		t.Fatalf("%d runs of the warm-up did not end", failed)
	}
	before := observeServer(t)
	n := soakRuns(t)
	start := time.Now()
	if failed := runMany(n, false); failed > 0 {
		t.Fatalf("%d of %d runs did not end", failed, n)
	}
	t.Logf("%d runs in %v", n, time.Since(start).Round(time.Second))

	deadline := time.Now().Add(10 * time.Second)
	for {
		after := observeServer(t)
		// The heap may grow by what the server keeps on purpose: the last
		// runs' events for pages that reconnect (at most 32 MiB) and the
		// database's page cache.
		ok := after.goroutines <= before.goroutines+5 && after.fds <= before.fds+5 &&
			after.heapMB <= before.heapMB+48 && after.host == before.host
		if ok {
			t.Logf("baseline %+v, after %+v", before, after)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not back to the baseline after %d runs:\n before %+v\n after  %+v", n, before, after)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
