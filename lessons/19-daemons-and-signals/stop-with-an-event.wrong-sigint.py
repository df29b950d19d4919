import os
import signal
import time
from multiprocessing import Event, Process


def work(stop):
    units = 0
    try:
        while True:
            time.sleep(0.05)
            units += 1
    except KeyboardInterrupt:
        pass
    print(f"worker: saved {units} units", flush=True)


if __name__ == "__main__":
    stop = Event()
    p = Process(target=work, args=(stop,), name="worker")
    p.start()
    time.sleep(0.4)
    os.kill(p.pid, signal.SIGINT)
    p.join()
    print(f"main: worker stopped, exitcode {p.exitcode}")
