# One process starts, but the four jobs still run in threads of one process.
import os
import threading
from multiprocessing import Process


def work(n):
    print(f"worker {n} starting in pid {os.getpid()}", flush=True)
    total = sum(i * i for i in range(2_000_000))
    print(f"worker {n} done in pid {os.getpid()}", flush=True)


def crew():
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    p = Process(target=crew)
    p.start()
    p.join()
    print("all done")
