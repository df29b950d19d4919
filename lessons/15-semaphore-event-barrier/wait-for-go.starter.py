import time
from multiprocessing import Event, Process, current_process


def run():
    name = current_process().name
    print(f"{name}: on my mark", flush=True)
    # wait for the signal here
    print(f"{name}: running", flush=True)


if __name__ == "__main__":
    runners = [Process(target=run, name=f"runner-{i}") for i in range(1, 4)]
    for r in runners:
        r.start()
    time.sleep(0.3)
    print("main: go!", flush=True)
    for r in runners:
        r.join()
