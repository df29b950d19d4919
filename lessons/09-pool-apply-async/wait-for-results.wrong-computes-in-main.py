# The pool is closed and joined, but the results are computed in the main process.
import time
from multiprocessing import Pool

collected = []


def work(n):
    time.sleep(0.5)
    return n * n


if __name__ == "__main__":
    pool = Pool(2)
    collected = [n * n for n in range(1, 6)]
    pool.close()
    pool.join()
    print(f"collected = {len(collected)}")
    print(f"sum = {sum(collected)}")
