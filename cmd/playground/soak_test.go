package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/internal/testload"
	"mpplayground/lessons"
	"mpplayground/store"
)

// soakRunsFlag sets the soak's length: go test ./cmd/playground -args
// -soak-runs=200, or `make test SOAK_RUNS=200` (PLAYGROUND_SOAK_RUNS).
var soakRunsFlag = flag.Int("soak-runs", 0, "runs of the soak test (0: 2,000, or 100 with -short)")

// soakRuns is how many runs the soak test makes.
func soakRuns(t *testing.T) int {
	if *soakRunsFlag > 0 {
		return *soakRunsFlag
	}
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
	onceAChunk := len(programs) // the examples, then the attacks
	programs = append(programs, soakLight...)
	// A wall time of a minute (more on a very busy machine): a lesson's
	// CPU-heavy example must not time out because four of them share two
	// cores under the race detector, while a run that hangs still ends as
	// a timeout, unlike its warm-up.
	rf := cli.AddRunnerFlags(flag.NewFlagSet("soak", flag.ContinueOnError))
	rf.Timeout = testload.Scaled(t, time.Minute, 200)
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "soak.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 4, Runner: rf}
	base, _ := startServe(t, o)

	// The status each lesson's example ends with in the warm-up; in the
	// soak it must end the same way (a run that hangs to its time limit
	// would not).
	var statusMu sync.Mutex
	statuses := map[int]string{}
	// Every program once in the warm-up; in each chunk of the soak, every
	// lesson's example (many nap to show processes side by side) and every
	// attack (each runs to a limit) once, the rest of the chunk the quick
	// programs in turn: the same kinds of resources, at several times the
	// pace.
	pick := func(i int64, warmUp bool) int {
		if warmUp || i < int64(onceAChunk) {
			return int(i) % len(programs)
		}
		return onceAChunk + int(i-int64(onceAChunk))%len(soakLight)
	}
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
					k := pick(i, warmUp)
					r, err := runWS(c, programs[k], nil)
					if err != nil || !r.End {
						if bad.Add(1) <= 3 {
							t.Logf("run %d did not end: %v (%d events)", i, err, len(r.Raws))
						}
						return
					}
					if k < lessonPrograms || k >= onceAChunk {
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
	// The soak in chunks, the heap read after a forced collection at the
	// end of each: a leak shows as a trend, not as the gap between two
	// points that a collection at the wrong moment can make.
	const chunks = 10
	var heap []float64
	start := time.Now()
	for i := range chunks {
		m := n / chunks
		if i == chunks-1 {
			m += n % chunks
		}
		if failed := runMany(m, false); failed > 0 {
			t.Fatalf("%d of %d runs did not end", failed, m)
		}
		heap = append(heap, heapAfterGC())
	}
	t.Logf("%d runs in %v", n, time.Since(start).Round(time.Second))
	t.Logf("heap after each tenth of the soak (MiB): %s", formatSeries(heap))
	// The second half: the server's caches (the last runs' events for pages
	// that reconnect, the database's pages) have filled by then. A leak of
	// a few KiB a run grows it steadily.
	half := heap[chunks/2:]
	growth := slope(half) * float64(len(half)-1)
	perRun := growth / float64(n/2) * 1024
	t.Logf("heap trend over the second half: %+.1f MiB (%+.1f KiB a run)", growth, perRun)
	if n >= 500 && growth > 8 {
		t.Errorf("the heap grows with the runs: %+.1f MiB over the second half of the soak (%s)", growth, formatSeries(heap))
	}

	deadline := time.Now().Add(testload.Scaled(t, 10*time.Second, 200))
	for {
		after := observeServer(t)
		ok := after.goroutines <= before.goroutines+5 && after.fds <= before.fds+5 && after.host == before.host
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

func heapAfterGC() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// slope is the least-squares slope of ys over 0, 1, 2 ...
func slope(ys []float64) float64 {
	n := float64(len(ys))
	var sx, sy, sxy, sxx float64
	for i, y := range ys {
		x := float64(i)
		sx, sy, sxy, sxx = sx+x, sy+y, sxy+x*y, sxx+x*x
	}
	if d := n*sxx - sx*sx; d != 0 {
		return (n*sxy - sx*sy) / d
	}
	return 0
}

func formatSeries(ys []float64) string {
	var b []byte
	for i, y := range ys {
		if i > 0 {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "%.1f", y)
	}
	return string(b)
}

// soakLight are quick programs that make the resources the lessons' examples
// make (processes, pipes, queues, locks, shared memory, a pool, a
// manager's server), in a fraction of their time.
var soakLight = []string{
	"import multiprocessing as mp\nif __name__ == '__main__':\n    p = mp.Process(target=print, args=('child',))\n    p.start(); p.join()\n",
	"import multiprocessing as mp\ndef put(q):\n    q.put(42)\nif __name__ == '__main__':\n    q = mp.Queue()\n    p = mp.Process(target=put, args=(q,))\n    p.start(); print(q.get()); p.join()\n",
	"import multiprocessing as mp\ndef send(c):\n    c.send('hi'); c.close()\nif __name__ == '__main__':\n    a, b = mp.Pipe()\n    p = mp.Process(target=send, args=(b,))\n    p.start(); print(a.recv()); p.join()\n",
	"import multiprocessing as mp\ndef sq(x):\n    return x * x\nif __name__ == '__main__':\n    with mp.Pool(2) as pool:\n        print(pool.map(sq, range(8)))\n",
	"import multiprocessing as mp\ndef add(v, l):\n    for _ in range(100):\n        with l:\n            v.value += 1\nif __name__ == '__main__':\n    v, l = mp.Value('i', 0), mp.Lock()\n    ps = [mp.Process(target=add, args=(v, l)) for _ in range(2)]\n    for p in ps: p.start()\n    for p in ps: p.join()\n    print(v.value)\n",
	"from multiprocessing import shared_memory\nm = shared_memory.SharedMemory(create=True, size=64)\nm.buf[0] = 7\nprint(m.buf[0])\nm.close(); m.unlink()\n",
	"import multiprocessing as mp\nif __name__ == '__main__':\n    with mp.Manager() as m:\n        d = m.dict(a=1)\n        print(dict(d))\n",
}
