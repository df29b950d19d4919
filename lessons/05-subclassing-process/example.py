# A Process subclass keeps its data in attributes and its work in run().
import os
import time
from multiprocessing import Process


class Countdown(Process):
    def __init__(self, start_at):
        super().__init__()  # required: sets up the name, pid and the rest
        self.start_at = start_at

    def run(self):
        for n in range(self.start_at, 0, -1):
            print(f"{self.name} (pid {os.getpid()}): {n}", flush=True)
            time.sleep(0.1)


if __name__ == "__main__":
    workers = [Countdown(4), Countdown(3)]
    for w in workers:
        w.start()  # a new process calls w.run()
    for w in workers:
        w.join()

    print(f"main (pid {os.getpid()}): run() called directly runs here:", flush=True)
    Countdown(1).run()  # no new process: the main process counts
