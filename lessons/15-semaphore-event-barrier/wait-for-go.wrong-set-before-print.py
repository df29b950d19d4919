# The Event is set before "main: go!" is printed: a runner may run before the signal is heard.
import time
from multiprocessing import Event, Process, current_process


def run(go):
    name = current_process().name
    print(f"{name}: on my mark", flush=True)
    go.wait()
    print(f"{name}: running", flush=True)


if __name__ == "__main__":
    go = Event()
    runners = [Process(target=run, args=(go,), name=f"runner-{i}") for i in range(1, 4)]
    for r in runners:
        r.start()
    time.sleep(0.3)
    go.set()
    print("main: go!", flush=True)
    for r in runners:
        r.join()
