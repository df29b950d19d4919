# A producer, a slow consumer and a Queue with room for only two items.
import queue
import time
from multiprocessing import JoinableQueue, Process, Queue

T0 = time.perf_counter()  # inherited by the forked children: one clock for all


def stamp():
    return f"{time.perf_counter() - T0:4.2f}s"


def producer(q, n):
    for i in range(n):
        print(f"{stamp()} producer: putting item {i}", flush=True)
        q.put(i)  # blocks while the queue is full
        print(f"{stamp()} producer: put item {i}", flush=True)
    q.put(None)  # the sentinel: "nothing more will come"


def consumer(q):
    while True:
        item = q.get()
        if item is None:
            break
        print(f"{stamp()} consumer: got item {item}", flush=True)
        time.sleep(0.1)  # a slow consumer
    print(f"{stamp()} consumer: saw the sentinel, stopping", flush=True)


def acknowledger(jobs):
    while True:
        job = jobs.get()
        print(f"acknowledger: handled job {job}", flush=True)
        jobs.task_done()


if __name__ == "__main__":
    q = Queue(maxsize=2)
    workers = [Process(target=producer, args=(q, 6), name="producer"), Process(target=consumer, args=(q,), name="consumer")]
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
