# Each child prints its parent's pid where its own belongs.
import os
from multiprocessing import Process, current_process


def introduce():
    name = current_process().name
    print(f"name={name} pid={os.getppid()} ppid={os.getppid()}", flush=True)


if __name__ == "__main__":
    children = [Process(target=introduce, name=n) for n in ("left", "right")]
    for p in children:
        p.start()
    for p in children:
        p.join()
