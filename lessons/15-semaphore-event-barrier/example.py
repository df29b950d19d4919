# Four fetchers: an Event starts them, a Semaphore lets two work at a time,
# a Barrier holds them until all four are done.
import time
from multiprocessing import Barrier, Event, Process, Semaphore, current_process

def say(t0, what):
    # perf_counter() is one clock for all the processes of the machine; t0 comes from the main
    # process as an argument, so every line counts from the same moment under every start method.
    print(f"{time.perf_counter() - t0:4.2f}s {current_process().name}: {what}", flush=True)


def fetch(t0, ready, go, slots, meet):
    say(t0, "ready, waiting for the start signal")
    ready.release()  # tells the main process that this fetcher is ready
    go.wait()  # Event: blocks until someone calls go.set()
    with slots:  # Semaphore(2): at most two fetchers in here at once
        say(t0, "downloading")
        time.sleep(0.15)
        say(t0, "done")
    meet.wait()  # Barrier(4): blocks until all four have arrived
    say(t0, "passed the barrier")


if __name__ == "__main__":
    t0 = time.perf_counter()
    ready, go, slots, meet = Semaphore(0), Event(), Semaphore(2), Barrier(4)
    fetchers = [Process(target=fetch, args=(t0, ready, go, slots, meet), name=f"fetcher-{i}") for i in range(1, 5)]
    for f in fetchers:
        f.start()
    for _ in fetchers:
        ready.acquire()  # one release per fetcher: all four are ready
    time.sleep(0.2)
    say(t0, "go!")
    go.set()
    for f in fetchers:
        f.join()
