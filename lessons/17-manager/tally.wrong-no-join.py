# The guest book is read while the guests may still be signing in.
import os
import time
from multiprocessing import Manager, Process, current_process


def sign_in(guests):
    time.sleep(0.2)
    guests[current_process().name] = os.getpid()


if __name__ == "__main__":
    with Manager() as manager:
        guests = manager.dict()
        visitors = [Process(target=sign_in, args=(guests,), name=f"guest-{i}") for i in range(1, 4)]
        for v in visitors:
            v.start()
        print(f"signed in: {sorted(guests.keys())}", flush=True)
        print(f"entries = {len(guests)}", flush=True)
        for v in visitors:
            v.join()
