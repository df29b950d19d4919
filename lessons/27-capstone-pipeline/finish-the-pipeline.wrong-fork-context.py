import logging
import logging.handlers
import sys
import time
from multiprocessing import get_context

FORMAT = "%(processName)s %(levelname)s %(message)s"
PRODUCERS = 2
ITEMS = 5  # per producer


def log_to(log_queue):
    """Send this process's log records to the listener."""
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(log_queue)]
    root.setLevel(logging.INFO)


def produce(jobs, log_queue, first):
    log_to(log_queue)
    for n in range(first, first + ITEMS):
        jobs.put(n)
    jobs.put(None)  # this producer is done
    logging.getLogger("producer").info("produced %d jobs", ITEMS)


def work(n):
    logging.getLogger("work").info("squaring %d", n)
    time.sleep(0.2)  # a job takes a while: results still come back after the last job is handed out
    return n * n


def collect(results, log_queue):
    log_to(log_queue)
    total = count = 0
    while (r := results.get()) is not None:
        total += r
        count += 1
    logging.getLogger("collector").info("collected %d results", count)
    print(f"collector: total = {total}", flush=True)


if __name__ == "__main__":
    ctx = get_context("fork")  # works on Linux only
    log_queue = ctx.Queue()
    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(logging.Formatter(FORMAT))
    listener = logging.handlers.QueueListener(log_queue, console)
    listener.start()

    jobs, results = ctx.Queue(), ctx.Queue()
    producers = [ctx.Process(target=produce, args=(jobs, log_queue, i * ITEMS), name=f"producer-{i + 1}")
                 for i in range(PRODUCERS)]
    collector = ctx.Process(target=collect, args=(results, log_queue), name="collector")
    for p in producers + [collector]:
        p.start()

    with ctx.Pool(2, initializer=log_to, initargs=(log_queue,)) as pool:
        finished = 0
        while finished < PRODUCERS:  # one sentinel per producer
            n = jobs.get()
            if n is None:
                finished += 1
            else:
                pool.apply_async(work, (n,), callback=results.put)
        pool.close()
        pool.join()  # every callback has run: every result is in the queue
    results.put(None)  # now the collector may stop

    for p in producers + [collector]:
        p.join()
    listener.stop()
    print("main: pipeline done", flush=True)
