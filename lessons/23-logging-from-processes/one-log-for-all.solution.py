import logging
import logging.handlers
import sys
import time
from multiprocessing import Process, Queue

FORMAT = "%(processName)s %(levelname)s %(message)s"


def worker(log_queue, n):
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(log_queue)]
    root.setLevel(logging.INFO)
    log = logging.getLogger("work")
    log.info("starting job %d", n)
    time.sleep(0.05 * n)
    log.info("finished job %d", n)


if __name__ == "__main__":
    log_queue = Queue()
    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(logging.Formatter(FORMAT))
    listener = logging.handlers.QueueListener(log_queue, console)
    workers = [Process(target=worker, args=(log_queue, n), name=f"worker-{n}") for n in (1, 2, 3)]
    for w in workers:
        w.start()
    listener.start()  # after the forks: no thread of ours runs while they copy the process
    for w in workers:
        w.join()
    listener.stop()
    print("main: all workers done")
