# A producer, a slow consumer and a Queue with room for only two items.
import queue
import time
from multiprocessing import JoinableQueue, Process, Queue

def stamp(t0):
    # time.perf_counter() is one clock for every process of the machine; t0, the main process's
    # start, is passed to each child as an argument, so all lines count from the same moment
    # whatever the start method (a global set in the main code would not reach a spawned child).
    return f"{time.perf_counter() - t0:4.2f}s"


def producer(q, n, t0):
    for i in range(n):
        print(f"{stamp(t0)} producer: putting item {i}", flush=True)
        q.put(i)  # blocks while the queue is full
        print(f"{stamp(t0)} producer: put item {i}", flush=True)
    q.put(None)  # the sentinel: "nothing more will come"


def consumer(q, t0):
    while True:
        item = q.get()
        if item is None:
            break
        print(f"{stamp(t0)} consumer: got item {item}", flush=True)
        time.sleep(0.1)  # a slow consumer
    print(f"{stamp(t0)} consumer: saw the sentinel, stopping", flush=True)


def acknowledger(jobs):
    while True:
        job = jobs.get()
        print(f"acknowledger: handled job {job}", flush=True)
        jobs.task_done()


if __name__ == "__main__":
    t0 = time.perf_counter()
    q = Queue(maxsize=2)
    workers = [Process(target=producer, args=(q, 6, t0), name="producer"), Process(target=consumer, args=(q, t0), name="consumer")]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    try:
        q.get(timeout=0.2)
    except queue.Empty:
        print("main: queue empty after waiting 0.2 s", flush=True)

    jobs = JoinableQueue()
    for job in range(3):
        jobs.put(job)
    Process(target=acknowledger, args=(jobs,), name="acknowledger", daemon=True).start()
    jobs.join()  # returns when task_done() was called for every job
    print("main: all 3 jobs acknowledged", flush=True)
