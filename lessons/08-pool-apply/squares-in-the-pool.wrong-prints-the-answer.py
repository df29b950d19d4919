# A pool is made, but the main process computes and prints everything.
import os
from multiprocessing import Pool


def square(n):
    print(f"square({n}) in pid {os.getpid()}", flush=True)
    return n * n


if __name__ == "__main__":
    pool = Pool(2)
    results = [square(n) for n in range(1, 6)]
    pool.close()
    pool.join()
    print("total = 55")
