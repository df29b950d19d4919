# Every adder makes a lock of its own: four locks exclude nobody, and the race stays.
from multiprocessing import Barrier, Lock, Process, Value


def add(counter, ready):
    lock = Lock()
    ready.wait()
    for _ in range(25_000):
        with lock:
            counter.value += 1


if __name__ == "__main__":
    counter = Value("i", 0)
    ready = Barrier(4)
    adders = [Process(target=add, args=(counter, ready), name=f"adder-{i}") for i in range(1, 5)]
    for a in adders:
        a.start()
    for a in adders:
        a.join()
    print(f"counter = {counter.value}")
