# Pool's extras: an initializer that runs once in each worker, keyword
# arguments for a task, maxtasksperchild, and chunksize measured.
import os
import time
from multiprocessing import Pool, current_process

table = None  # filled in each worker by setup()


def setup(size):
    global table
    table = {n: n * n for n in range(size)}  # costly set-up, once per worker
    print(f"{current_process().name}: set up a table of {size}", flush=True)


def look_up(n):
    return table[n]


def scale(n, factor=1, offset=0):
    return n * factor + offset


def tiny(n):
    return n + 1


def whoami(_):
    return os.getpid()


if __name__ == "__main__":
    with Pool(2, initializer=setup, initargs=(1000,)) as pool:
        print("look_up:", pool.map(look_up, [3, 4, 5, 6]), flush=True)
        # apply_async takes keyword arguments as kwds=
        r = pool.apply_async(scale, (7,), kwds={"factor": 10, "offset": 1})
        print("scale: 7 * 10 + 1 =", r.get(), flush=True)

        # chunksize: how many items travel to a worker at once.
        items = range(3000)
        for size in (1, 50):
            start = time.perf_counter()
            pool.map(tiny, items, chunksize=size)
            ms = (time.perf_counter() - start) * 1000
            print(f"chunksize={size}: {len(items)} tiny tasks in {ms:.0f} ms", flush=True)

    # maxtasksperchild=2: a worker is replaced after 2 tasks (a fresh process).
    with Pool(2, maxtasksperchild=2) as pool:
        pids = pool.map(whoami, range(8), chunksize=1)
        print(f"maxtasksperchild=2: 8 tasks ran in {len(set(pids))} different processes", flush=True)
    print("main: done")
