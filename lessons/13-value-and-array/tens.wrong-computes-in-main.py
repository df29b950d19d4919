# The workers print their lines, but the main process fills the array itself.
import time
from multiprocessing import Array, Process


def work(index, results):
    time.sleep(0.1)
    print(f"worker {index} stored {index * 10}", flush=True)


if __name__ == "__main__":
    results = Array("i", 4)
    workers = [Process(target=work, args=(i, results)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for i in range(4):
        results[i] = i * 10
    print(f"results = {results[:]}")
