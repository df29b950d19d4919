import os
import threading


def work(n):
    print(f"worker {n} starting in pid {os.getpid()}", flush=True)
    total = sum(i * i for i in range(2_000_000))
    print(f"worker {n} done in pid {os.getpid()}", flush=True)


if __name__ == "__main__":
    workers = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("all done")
