# Threads versus processes on CPU-bound work.
import os
import threading
import time
from multiprocessing import Process

N = 4_000_000  # a few tenths of a second of pure Python arithmetic (0.3-0.4 s on a 2020s CPU)


def burn(label):
    total = 0
    for i in range(N):
        total += i * i
    print(f"{label} finished in pid {os.getpid()}", flush=True)


def timed(kind, workers):
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    print(f"{kind}: {elapsed:.2f} s", flush=True)
    return elapsed


if __name__ == "__main__":
    print(f"main process: pid {os.getpid()}", flush=True)
    threads = [threading.Thread(target=burn, args=(f"thread {i}",)) for i in range(2)]
    t = timed("threads", threads)
    processes = [Process(target=burn, args=(f"process {i}",)) for i in range(2)]
    p = timed("processes", processes)
    print(f"processes were {t / p:.1f}x as fast", flush=True)
