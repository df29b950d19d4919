# No Event: the runners sleep longer than the main process's pause and hope.
import time
from multiprocessing import Process, current_process


def run():
    name = current_process().name
    print(f"{name}: on my mark", flush=True)
    time.sleep(0.6)
    print(f"{name}: running", flush=True)


if __name__ == "__main__":
    runners = [Process(target=run, name=f"runner-{i}") for i in range(1, 4)]
    for r in runners:
        r.start()
    time.sleep(0.3)
    print("main: go!", flush=True)
    for r in runners:
        r.join()
