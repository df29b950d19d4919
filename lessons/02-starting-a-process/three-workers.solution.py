import time
from multiprocessing import Process


def work(n):
    print(f"worker {n} starting", flush=True)
    time.sleep(1.0)
    print(f"worker {n} finished", flush=True)


if __name__ == "__main__":
    workers = [Process(target=work, args=(n,), name=f"worker-{n}") for n in range(1, 4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print("all done")
