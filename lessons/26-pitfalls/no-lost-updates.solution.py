import time
from multiprocessing import Barrier, Lock, Manager, Process


def add(d, start, lock):
    start.wait()
    for _ in range(10):
        with lock:  # read and write as one step: nobody writes in between
            v = d["n"]
            time.sleep(0.001)
            d["n"] = v + 1


if __name__ == "__main__":
    with Manager() as m:
        d = m.dict(n=0)
        start, lock = Barrier(4), Lock()
        adders = [Process(target=add, args=(d, start, lock), name=f"adder-{i}") for i in range(4)]
        for a in adders:
            a.start()
        for a in adders:
            a.join()
        print(f"main: n = {d['n']}", flush=True)
