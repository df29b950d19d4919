# Pool.apply_async: submit everything, let results come back by callback.
import os
import time
from multiprocessing import Pool, current_process


def measure(n):
    time.sleep(0.05 * (6 - n))  # later tasks are quicker
    if n == 3:
        raise ValueError(f"cannot measure {n}")
    print(f"{current_process().name} measured {n}", flush=True)
    return n * 10


def on_result(value):
    print(f"callback in pid {os.getpid()}: got {value}", flush=True)


def on_error(exc):
    print(f"error_callback in pid {os.getpid()}: {exc!r}", flush=True)


if __name__ == "__main__":
    print(f"main pid {os.getpid()}", flush=True)
    pool = Pool(3)
    handles = [
        pool.apply_async(measure, (n,), callback=on_result, error_callback=on_error)
        for n in range(1, 6)
    ]
    print("main: all 5 tasks submitted, not waiting yet", flush=True)
    pool.close()  # no more tasks
    pool.join()  # wait until every task is done and the workers have exited
    results = [h.get() if h.successful() else "failed" for h in handles]
    print(f"main: results in submit order: {results}", flush=True)
