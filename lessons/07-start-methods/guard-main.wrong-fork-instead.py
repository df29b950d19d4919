# Without the guard, switching to fork hides the problem: this program breaks under spawn.
import multiprocessing as mp
import os


def square(n):
    print(f"square({n}) = {n * n} in pid {os.getpid()}", flush=True)


ctx = mp.get_context("fork")
workers = [ctx.Process(target=square, args=(n,)) for n in range(1, 4)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print("main: done", flush=True)
