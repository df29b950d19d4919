import os
from multiprocessing import Pool


def square(n):
    print(f"square({n}) in pid {os.getpid()}", flush=True)
    return n * n


if __name__ == "__main__":
    results = [square(n) for n in range(1, 6)]
    print(f"total = {sum(results)}")
