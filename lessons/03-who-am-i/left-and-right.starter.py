import os
from multiprocessing import Process, current_process


def introduce():
    print(f"pid={os.getpid()}", flush=True)


if __name__ == "__main__":
    p = Process(target=introduce)
    p.start()
    p.join()
