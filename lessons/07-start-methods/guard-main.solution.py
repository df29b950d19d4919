import multiprocessing as mp
import os


def square(n):
    print(f"square({n}) = {n * n} in pid {os.getpid()}", flush=True)


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    workers = [ctx.Process(target=square, args=(n,)) for n in range(1, 4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("main: done", flush=True)
