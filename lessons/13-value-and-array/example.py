# Value and Array: numbers that live in shared memory, seen by every process.
import os
from multiprocessing import Array, Process, Value


def fill(i, squares, finished):
    squares[i] = i * i  # each child writes only its own slot
    with finished.get_lock():  # see the next lesson for why
        finished.value += 1
    print(f"child {i} (pid {os.getpid()}) wrote squares[{i}] = {i * i}", flush=True)


if __name__ == "__main__":
    squares = Array("i", 5)  # five C ints, all 0
    finished = Value("i", 0)  # one C int
    ratio = Value("d", 0.5)  # one C double
    print(f"before: squares = {squares[:]}, finished = {finished.value}", flush=True)

    children = [Process(target=fill, args=(i, squares, finished)) for i in range(5)]
    for c in children:
        c.start()
    for c in children:
        c.join()

    print(f"after: squares = {squares[:]}, finished = {finished.value}", flush=True)
    ratio.value *= 3  # a shared double works the same way
    print(f"ratio = {ratio.value}", flush=True)
