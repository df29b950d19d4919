import time
from multiprocessing import Process, Queue, current_process


def worker(log_queue, n):
    name = current_process().name
    log_queue.put(f"{name} INFO starting job {n}")
    time.sleep(0.05 * n)
    log_queue.put(f"{name} INFO finished job {n}")


if __name__ == "__main__":
    log_queue = Queue()
    workers = [Process(target=worker, args=(log_queue, n), name=f"worker-{n}") for n in (1, 2, 3)]
    for w in workers:
        w.start()
    for _ in range(6):
        print(log_queue.get(), flush=True)  # no logging at all: no levels, no handlers
    for w in workers:
        w.join()
    print("main: all workers done")
