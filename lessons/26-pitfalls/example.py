# Three bugs that every multiprocessing programmer meets, each shown in a
# form that still ends: a join that waits for a queue to be drained,
# shared memory that outlives its program, and updates lost in a race.
import os
import time
from multiprocessing import Barrier, Manager, Process, Queue, shared_memory


def produce(q):
    for i in range(3):
        q.put("x" * 200_000)  # larger than a pipe holds
    print("producer: put 3 big items", flush=True)


def add(d, times, start):
    start.wait()  # all four begin together
    for _ in range(times):
        v = d["n"]        # read ...
        time.sleep(0.001)
        d["n"] = v + 1    # ... write: another process may have written in between


def shm_blocks():
    return len([f for f in os.listdir("/dev/shm") if f.startswith("psm_")])


if __name__ == "__main__":
    # 1. A process ends only once its queued items have left it.
    q = Queue()
    p = Process(target=produce, args=(q,), name="producer")
    p.start()
    p.join(timeout=0.3)
    print(f"main: producer still alive after join(timeout=0.3): {p.is_alive()}", flush=True)
    sizes = [len(q.get()) for _ in range(3)]  # drain first ...
    p.join()                                   # ... then join
    print(f"main: got {len(sizes)} items, then joined the producer", flush=True)

    # 2. Shared memory blocks live until unlinked, not until closed.
    before = shm_blocks()
    blocks = [shared_memory.SharedMemory(create=True, size=1024) for _ in range(3)]
    for b in blocks:
        b.close()
    print(f"main: blocks in /dev/shm: {before} -> {shm_blocks()} after close()", flush=True)
    for b in blocks:
        b.unlink()
    print(f"main: blocks in /dev/shm: {shm_blocks()} after unlink()", flush=True)

    # 3. A read and a write with a gap between them lose updates.
    with Manager() as m:
        d = m.dict(n=0)
        start = Barrier(4)
        adders = [Process(target=add, args=(d, 10, start), name=f"adder-{i}") for i in range(4)]
        for a in adders:
            a.start()
        for a in adders:
            a.join()
        print(f"main: n = {d['n']} (wanted 40)", flush=True)
