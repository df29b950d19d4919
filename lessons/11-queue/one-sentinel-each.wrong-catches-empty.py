# Still one sentinel: the consumer that misses it catches queue.Empty and stops after its timeout.
import queue
from multiprocessing import Process, Queue, current_process

CONSUMERS = 2


def consume(q):
    handled = 0
    while True:
        try:
            item = q.get(timeout=1)
        except queue.Empty:
            break
        if item is None:
            break
        handled += 1
    print(f"{current_process().name} done after {handled} items", flush=True)


if __name__ == "__main__":
    q = Queue()
    consumers = [Process(target=consume, args=(q,), name=f"consumer-{i}") for i in range(1, CONSUMERS + 1)]
    for c in consumers:
        c.start()
    for item in range(10):
        q.put(item)
    q.put(None)
    for c in consumers:
        c.join()
    print("main: exit codes", [c.exitcode for c in consumers])
