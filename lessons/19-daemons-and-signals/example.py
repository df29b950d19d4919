# Four things that happen to processes at the edges of their lives: a
# daemon killed when the main process ends, a zombie waiting to be joined,
# a lock left held by terminate(), and a signal turned into a clean stop.
import os
import signal
import time
from multiprocessing import Event, Lock, Process, current_process, get_context


def heartbeat():
    while True:  # never ends by itself: only a daemon may do that
        print("heartbeat: still here", flush=True)
        time.sleep(0.1)


def quick():
    print(f"quick: pid {os.getpid()} done", flush=True)


def hold_lock(lock, taken):
    with lock:
        print("holder: took the lock", flush=True)
        taken.set()
        time.sleep(5)  # terminate() arrives while the lock is held
    print("holder: released it")  # never printed


def polite(ready):
    # Ctrl-C in a terminal sends SIGINT to every process of the group;
    # Python turns it into KeyboardInterrupt, which can end work cleanly.
    try:
        ready.set()
        while True:
            time.sleep(0.05)
    except KeyboardInterrupt:
        print(f"{current_process().name}: KeyboardInterrupt, cleaning up", flush=True)


def state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]  # R, S, Z ...


if __name__ == "__main__":
    beat = Process(target=heartbeat, name="heartbeat", daemon=True)
    beat.start()

    # 1. A zombie: the child has ended, nobody has collected its exit status.
    # spawn makes it a child of this process; with forkserver it would be
    # the fork server's child, and the server collects it itself.
    q = get_context("spawn").Process(target=quick, name="quick")
    q.start()
    for _ in range(100):  # wait (up to 2 s) until it has ended, without joining
        if state(q.pid) == "Z":
            break
        time.sleep(0.02)
    print(f"main: quick is in state {state(q.pid)} (Z = zombie) before join", flush=True)
    q.join()  # collects the exit status: the zombie is gone
    print(f"main: joined quick, exitcode {q.exitcode}", flush=True)

    # 2. terminate() kills without cleanup: a held lock stays held.
    lock, taken = Lock(), Event()
    h = Process(target=hold_lock, args=(lock, taken), name="holder")
    h.start()
    taken.wait(5)
    h.terminate()
    h.join()
    print(f"main: holder ended with exitcode {h.exitcode} (-15 = SIGTERM)", flush=True)
    got = lock.acquire(timeout=0.3)
    print(f"main: lock free again = {got}", flush=True)

    # 3. SIGINT, as Ctrl-C sends it, lets the child end its own way.
    ready = Event()
    p = Process(target=polite, args=(ready,), name="polite")
    p.start()
    ready.wait(5)
    time.sleep(0.1)
    os.kill(p.pid, signal.SIGINT)
    p.join()
    print(f"main: polite ended with exitcode {p.exitcode}", flush=True)

    # 4. The daemon is still beating; the main process ends and kills it.
    print(f"main: ending; heartbeat alive? {beat.is_alive()}", flush=True)
