# The main process prints both lines, with the children's pids it knows.
import os
from multiprocessing import Process


def introduce():
    pass


if __name__ == "__main__":
    children = [Process(target=introduce, name=n) for n in ("left", "right")]
    for p in children:
        p.start()
    for p in children:
        p.join()
        print(f"name={p.name} pid={p.pid} ppid={os.getpid()}", flush=True)
