# Every process can ask who it is and who its parent is.
import os
from multiprocessing import Process, current_process


def report(role):
    me = current_process()
    print(f"{role}: name={me.name} pid={os.getpid()} ppid={os.getppid()}", flush=True)


def child():
    report("child")
    grandchild = Process(target=report, args=("grandchild",), name="grandchild")
    grandchild.start()
    grandchild.join()


if __name__ == "__main__":
    report("main")
    p = Process(target=child, name="child")
    print(f"main: before start(): p.pid = {p.pid}", flush=True)
    p.start()
    print(f"main: after start(): p.pid = {p.pid}", flush=True)
    p.join()
