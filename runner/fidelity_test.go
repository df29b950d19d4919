package runner

import (
	"fmt"
	"strings"
	"testing"

	"mpplayground/event"
)

// fidelityProgram checks, from inside, what CPython's own tests check of
// the objects the startup hook traces: a queue's feeder hook sees the item
// the program put, and a process keeps no reference to its target once it
// has been joined.
const fidelityProgram = `
import gc, multiprocessing, multiprocessing.queues, weakref
class NotSerializable:
    def __init__(self):
        self.hook_saw_it = False
    def __reduce__(self):
        raise AttributeError
class SafeQueue(multiprocessing.queues.Queue):
    @staticmethod
    def _on_queue_feeder_error(e, obj):
        if isinstance(e, AttributeError) and isinstance(obj, NotSerializable):
            obj.hook_saw_it = True
class Target:
    def __call__(self, q):
        q.put(5)
def released():
    target = Target()
    ref = weakref.ref(target)
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=target, args=(q,))
    del target
    p.start()
    p.join()
    gc.collect()
    return ref() is None and q.get() == 5
if __name__ == "__main__":
    multiprocessing.set_start_method(%q)
    item = NotSerializable()
    q = SafeQueue(ctx=multiprocessing.get_context())
    q.put(item)
    q.put(True)
    print("queue still works:", q.get(timeout=30))
    print("the feeder hook saw the item:", item.hook_saw_it)
    print("the queue's own hook stays the class's:", "_on_queue_feeder_error" not in q.__dict__)
    print("the target was released:", released())
    import pickle, time, multiprocessing.connection as connection
    print("time.sleep and Pipe pickle as themselves:",
          pickle.loads(pickle.dumps(time.sleep)) is time.sleep
          and pickle.loads(pickle.dumps(connection.Pipe)) is connection.Pipe)
`

// The program's objects behave as without the playground, as CPython's
// tests of them expect.
func TestTracedObjectsBehaveAsBare(t *testing.T) {
	r := testRunner(t)
	for _, method := range []string{"fork", "spawn"} {
		t.Run(method, func(t *testing.T) {
			rr := runProgram(t, r, fmt.Sprintf(fidelityProgram, method), event.Limits{})
			mustStatus(t, rr, event.StatusOK)
			out := rr.text("stdout")
			for _, want := range []string{
				"queue still works: True",
				"the feeder hook saw the item: True",
				"the queue's own hook stays the class's: True",
				"the target was released: True",
				"time.sleep and Pipe pickle as themselves: True",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
		})
	}
}
