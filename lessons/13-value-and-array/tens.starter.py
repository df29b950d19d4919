import time
from multiprocessing import Process


def work(index, results):
    time.sleep(0.1)  # stands for a slow computation
    results[index] = index * 10
    print(f"worker {index} stored {results[index]}", flush=True)


if __name__ == "__main__":
    results = [0] * 4
    workers = [Process(target=work, args=(i, results)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(f"results = {results}")
