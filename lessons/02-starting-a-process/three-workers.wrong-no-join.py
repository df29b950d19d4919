# The workers are started but never joined: "all done" comes before they finish.
import time
from multiprocessing import Process


def work(n):
    print(f"worker {n} starting", flush=True)
    time.sleep(1.0)
    print(f"worker {n} finished", flush=True)


if __name__ == "__main__":
    for n in range(1, 4):
        Process(target=work, args=(n,), name=f"worker-{n}").start()
    print("all done", flush=True)
