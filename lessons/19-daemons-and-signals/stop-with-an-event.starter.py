# The worker saves its work when its loop ends, but terminate() kills it
# in the middle: "saved" is never printed. Stop it politely instead.
import time
from multiprocessing import Event, Process


def work(stop):
    units = 0
    while True:
        time.sleep(0.05)  # one unit of work
        units += 1
    print(f"worker: saved {units} units", flush=True)


if __name__ == "__main__":
    stop = Event()
    p = Process(target=work, args=(stop,), name="worker")
    p.start()
    time.sleep(0.4)
    p.terminate()
    p.join()
    print(f"main: worker stopped, exitcode {p.exitcode}")
