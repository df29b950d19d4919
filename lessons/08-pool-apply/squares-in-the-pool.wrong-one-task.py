# One task computes all five squares: the pool does the work, but not one task per number.
import os
from multiprocessing import Pool


def square(numbers):
    for n in numbers:
        print(f"square({n}) in pid {os.getpid()}", flush=True)
    return [n * n for n in numbers]


if __name__ == "__main__":
    pool = Pool(2)
    results = pool.apply(square, ([1, 2, 3, 4, 5],))
    pool.close()
    pool.join()
    print(f"total = {sum(results)}")
