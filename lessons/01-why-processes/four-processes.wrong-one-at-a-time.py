# Four processes, but each is joined before the next one starts: they never
# work at the same time.
import os
from multiprocessing import Process


def work(n):
    print(f"worker {n} starting in pid {os.getpid()}", flush=True)
    total = sum(i * i for i in range(2_000_000))
    print(f"worker {n} done in pid {os.getpid()}", flush=True)


if __name__ == "__main__":
    for n in range(4):
        w = Process(target=work, args=(n,))
        w.start()
        w.join()
    print("all done")
