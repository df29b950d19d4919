package runner

import (
	"fmt"
	"strings"
	"testing"

	"mpplayground/event"
)

// tracebackProgram raises through the hook's wrappers: a put on a closed
// queue and an interrupted sleep, in the main process (uncaught), in a
// child (multiprocessing prints it), in a pool's worker (a remote
// traceback), and while a spawned child imports the program.
const tracebackProgram = `
import multiprocessing as mp, signal, sys, time
if mp.current_process().name == "importer":
    raise RuntimeError("raised as the child imports the program")
def closed_put(q):
    q.close()
    q.put(1)
def alarm(*_):
    raise TimeoutError("the alarm rang")
def interrupted_sleep():
    signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    time.sleep(5)
if __name__ == "__main__":
    mp.set_start_method(%q)
    for target, args in ((closed_put, (mp.Queue(),)), (interrupted_sleep, ())):
        p = mp.Process(target=target, args=args)
        p.start(); p.join()
    p = mp.Process(target=print, name="importer")
    p.start(); p.join()
    with mp.Pool(1) as pool:
        try:
            pool.apply(interrupted_sleep)
        except TimeoutError:
            import traceback
            traceback.print_exc()
    q = mp.Queue()
    q.close()
    q.put(2)
`

// A traceback shows the program's frames and Python's, never the hook's.
func TestTracebacksShowNoFrameOfTheHook(t *testing.T) {
	r := testRunner(t)
	for _, method := range []string{"fork", "spawn"} {
		t.Run(method, func(t *testing.T) {
			rr := runProgram(t, r, fmt.Sprintf(tracebackProgram, method), event.Limits{})
			mustStatus(t, rr, event.StatusError)
			stderr := rr.text("stderr")
			for _, want := range []string{"is closed", "the alarm rang", "q.put(2)", "time.sleep(5)"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if method == "spawn" && !strings.Contains(stderr, "raised as the child imports the program") {
				t.Errorf("stderr lacks the importing child's error:\n%s", stderr)
			}
			// A put that raised put nothing: it is not reported.
			if n := len(rr.byType(event.TypeQueuePut)); n != 0 {
				t.Errorf("%d puts reported; none put anything", n)
			}
			for _, hidden := range []string{"_playground_ipc", "sitecustomize", "/opt/playground", "traced_", "_ipc_sleep"} {
				if strings.Contains(stderr, hidden) {
					t.Errorf("stderr shows %q:\n%s", hidden, stderr)
				}
			}
		})
	}
}
