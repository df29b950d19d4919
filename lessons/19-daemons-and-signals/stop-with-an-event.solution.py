import time
from multiprocessing import Event, Process


def work(stop):
    units = 0
    while not stop.wait(0.05):  # one unit of work, unless told to stop
        units += 1
    print(f"worker: saved {units} units", flush=True)


if __name__ == "__main__":
    stop = Event()
    p = Process(target=work, args=(stop,), name="worker")
    p.start()
    time.sleep(0.4)
    stop.set()  # ask; the worker finishes its unit and saves
    p.join()
    print(f"main: worker stopped, exitcode {p.exitcode}")
