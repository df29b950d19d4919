# SimpleQueue: a plain queue with no feeder thread. connection.wait():
# wait on several pipes (and process sentinels) at once, and answer
# whichever is ready first.
import time
from multiprocessing import Barrier, Pipe, Process, SimpleQueue, current_process
from multiprocessing.connection import wait


def square(jobs, results):
    while True:
        n = jobs.get()
        if n is None:
            break
        results.put((current_process().name, n * n))


def report(conn, delay, ready):
    ready.wait()  # the three start their delays at the same moment
    time.sleep(delay)
    conn.send(f"{current_process().name} slept {delay} s")
    conn.close()


if __name__ == "__main__":
    # 1. SimpleQueue: put() writes straight into the pipe, get() reads it.
    jobs, results = SimpleQueue(), SimpleQueue()
    workers = [Process(target=square, args=(jobs, results), name=f"squarer-{i}") for i in (1, 2)]
    for w in workers:
        w.start()
    for n in range(6):
        jobs.put(n)
    for _ in workers:
        jobs.put(None)
    got = sorted(results.get()[1] for _ in range(6))
    for w in workers:
        w.join()
    print("squares =", got, flush=True)

    # 2. wait(): three pipes, answers taken in the order they arrive.
    readers, ready = [], Barrier(3)
    for name, delay in (("slow", 0.6), ("medium", 0.3), ("fast", 0.1)):
        r, w = Pipe(duplex=False)
        Process(target=report, args=(w, delay, ready), name=name).start()
        w.close()  # the parent keeps only the reading end
        readers.append(r)
    start = time.perf_counter()
    while readers:
        for r in wait(readers):  # blocks until at least one is ready
            try:
                msg = r.recv()
            except EOFError:
                readers.remove(r)  # the writer closed its end
            else:
                print(f"after {time.perf_counter() - start:.1f} s: {msg}", flush=True)
    print("main: all three answered")
