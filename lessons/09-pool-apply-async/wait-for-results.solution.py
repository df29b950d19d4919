import time
from multiprocessing import Pool

collected = []


def work(n):
    time.sleep(0.5)
    return n * n


def keep(value):
    collected.append(value)


if __name__ == "__main__":
    pool = Pool(2)
    for n in range(1, 6):
        pool.apply_async(work, (n,), callback=keep)
    pool.close()
    pool.join()
    print(f"collected = {len(collected)}")
    print(f"sum = {sum(collected)}")
