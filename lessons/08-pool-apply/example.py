# Pool.apply: each call waits for its result before the next one is sent.
import os
import time
from multiprocessing import Pool, current_process


def slow_square(n):
    time.sleep(0.1)
    print(f"{current_process().name} (pid {os.getpid()}) squares {n}", flush=True)
    return n * n


if __name__ == "__main__":
    pool = Pool(processes=3)
    start = time.perf_counter()
    results = []
    for n in range(1, 5):
        r = pool.apply(slow_square, (n,))  # blocks until this one is done
        print(f"main: got {r} after {time.perf_counter() - start:.1f} s", flush=True)
        results.append(r)
    pool.close()  # no more tasks
    pool.join()  # wait for the workers to exit
    print(f"total = {sum(results)}")
