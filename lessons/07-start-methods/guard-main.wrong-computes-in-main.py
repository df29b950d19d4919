# Guarded, but no child does the work: the main process prints every square.
import os


def square(n):
    print(f"square({n}) = {n * n} in pid {os.getpid()}", flush=True)


if __name__ == "__main__":
    for n in range(1, 4):
        square(n)
    print("main: done", flush=True)
