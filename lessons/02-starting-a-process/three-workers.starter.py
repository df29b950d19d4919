import time
from multiprocessing import Process


def work(n):
    print(f"worker {n} starting", flush=True)
    time.sleep(1.0)
    print(f"worker {n} finished", flush=True)


if __name__ == "__main__":
    for n in range(1, 3):
        p = Process(target=work, args=(n,), name=f"worker-{n}")
        p.start()
        p.join()
    print("all done")
