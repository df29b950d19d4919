# Logging from several processes: every process puts its records on one
# queue (QueueHandler); one listener in the main process writes them all
# (QueueListener), so lines never interleave and one handler decides.
import logging
import logging.handlers
import sys
import time
from multiprocessing import Process, Queue

FORMAT = "%(processName)-10s %(levelname)-7s %(message)s"


def worker(log_queue, n):
    # configured in the child itself: under spawn and forkserver nothing of
    # the parent's logging set-up reaches it
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(log_queue)]
    root.setLevel(logging.INFO)
    log = logging.getLogger("work")
    log.info("starting job %d", n)
    time.sleep(0.05 * n)
    if n == 2:
        log.warning("job %d was slow", n)
    log.info("finished job %d", n)


if __name__ == "__main__":
    log_queue = Queue()
    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(logging.Formatter(FORMAT))
    listener = logging.handlers.QueueListener(log_queue, console)

    main_log = logging.getLogger("main")
    main_log.addHandler(logging.handlers.QueueHandler(log_queue))
    main_log.setLevel(logging.INFO)
    main_log.info("starting 3 workers")

    workers = [Process(target=worker, args=(log_queue, n), name=f"worker-{n}") for n in (1, 2, 3)]
    for w in workers:
        w.start()
    # Started after the workers: a fork copies only the forking thread, and
    # a lock that another thread (this listener, writing) held at that
    # moment would stay held forever in the child.
    listener.start()  # a thread of the main process: get() a record, handle it
    for w in workers:
        w.join()
    main_log.info("all workers done")
    listener.stop()  # handles what is still queued, then ends the thread
