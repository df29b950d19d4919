# Three workers start, but the main process prints their lines.
import time
from multiprocessing import Process


def work(n):
    time.sleep(1.0)


if __name__ == "__main__":
    workers = [Process(target=work, args=(n,), name=f"worker-{n}") for n in range(1, 4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    for n in range(1, 4):
        print(f"worker {n} finished")
    print("all done")
