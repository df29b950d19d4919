# The same child started three ways: fork, spawn and forkserver.
import multiprocessing as mp
import os

# Module-level code runs whenever this file is imported, so it shows who
# imports it: the main program, a spawned child, the fork server.
print(f"module body: pid {os.getpid()}, __name__ = {__name__!r}", flush=True)

setting = "default"


def show(method):
    print(f"[{method}] child pid {os.getpid()}, parent {os.getppid()}, setting = {setting!r}", flush=True)


if __name__ == "__main__":
    setting = "changed in main"
    print(f"start methods here: {mp.get_all_start_methods()}", flush=True)
    for method in ("fork", "spawn", "forkserver"):
        ctx = mp.get_context(method)
        p = ctx.Process(target=show, args=(method,), name=f"{method}-child")
        p.start()
        p.join()
