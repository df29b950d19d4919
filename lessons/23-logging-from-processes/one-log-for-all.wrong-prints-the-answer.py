from multiprocessing import Process, Queue


def worker(log_queue, n):
    pass


if __name__ == "__main__":
    log_queue = Queue()
    workers = [Process(target=worker, args=(log_queue, n), name=f"worker-{n}") for n in (1, 2, 3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for n in (1, 2, 3):
        print(f"worker-{n} INFO starting job {n}")
        print(f"worker-{n} INFO finished job {n}")
    print("main: all workers done")
