# Each worker sets up logging for itself and writes its own lines. Make
# them send their records to one QueueListener in the main process instead.
import logging
import logging.handlers
import sys
import time
from multiprocessing import Process, Queue

FORMAT = "%(processName)s %(levelname)s %(message)s"


def worker(log_queue, n):
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format=FORMAT)
    log = logging.getLogger("work")
    log.info("starting job %d", n)
    time.sleep(0.05 * n)
    log.info("finished job %d", n)


if __name__ == "__main__":
    log_queue = Queue()
    workers = [Process(target=worker, args=(log_queue, n), name=f"worker-{n}") for n in (1, 2, 3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("main: all workers done")
