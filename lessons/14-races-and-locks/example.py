# Four processes add 1 to a shared counter 10,000 times each: once without
# a lock (a race: updates get lost), once with the Value's own lock, once
# with one locked update per process.
import os
import time
from multiprocessing import Barrier, Lock, Process, Value

TIMES = 10_000
WORKERS = 4


def unsafe(counter, ready):
    ready.wait()  # all four start counting at the same moment
    for i in range(TIMES):
        value = counter.value  # counter.value += 1 spelled out: read,
        if i % 100 == 0:
            os.sched_yield()  # (the OS may switch processes here at any moment; now and then it does)
        counter.value = value + 1  # add, write: what others wrote meanwhile is lost


def safe(counter, ready):
    ready.wait()
    for _ in range(TIMES):
        with counter.get_lock():  # only one process at a time inside
            counter.value += 1


def safe_batch(counter, lock, ready):
    ready.wait()
    local = 0
    for _ in range(TIMES):
        local += 1  # private work needs no lock
    with lock:  # one locked update per process
        counter.value += local


def race(label, target, *extra):
    counter = Value("i", 0)
    ready = Barrier(WORKERS)
    procs = [Process(target=target, args=(counter, *extra, ready), name=f"{label}-{i}") for i in range(WORKERS)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    ms = (time.perf_counter() - start) * 1000
    print(f"{label}: counter = {counter.value} (wanted {TIMES * WORKERS}) in {ms:.0f} ms", flush=True)


if __name__ == "__main__":
    race("unsafe", unsafe)
    race("safe", safe)
    race("batch", safe_batch, Lock())
