# Four adders add 1 to a counter in a Manager's dict 10 times each, so it
# should reach 40. It does not. Make every update count.
import time
from multiprocessing import Barrier, Lock, Manager, Process


def add(d, start, lock):
    start.wait()
    for _ in range(10):
        v = d["n"]
        time.sleep(0.001)  # widens the gap that is always there
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
