# Watching processes live and end: exit codes, join with a timeout,
# terminate(), and a daemon that dies with its parent.
import sys
import time
from multiprocessing import Process


def sleeper():
    print("sleeper: going to sleep for 10 s", flush=True)
    time.sleep(10)
    print("sleeper: woke up", flush=True)  # never printed: it is terminated first


def quitter():
    print("quitter: leaving with exit code 3", flush=True)
    sys.exit(3)


def ticker():
    while True:
        print("ticker: tick", flush=True)
        time.sleep(0.1)


if __name__ == "__main__":
    s = Process(target=sleeper, name="sleeper")
    q = Process(target=quitter, name="quitter")
    t = Process(target=ticker, name="ticker", daemon=True)
    print(f"before start(): alive={s.is_alive()} exitcode={s.exitcode}", flush=True)
    for p in (s, q, t):
        p.start()

    q.join()
    print(f"quitter exitcode = {q.exitcode}", flush=True)

    s.join(timeout=0.3)  # gives up after 0.3 s; the sleeper is still asleep
    print(f"after join(0.3): alive={s.is_alive()} exitcode={s.exitcode}", flush=True)
    s.terminate()  # sends SIGTERM
    s.join()
    print(f"after terminate(): alive={s.is_alive()} exitcode={s.exitcode}", flush=True)

    print("main: done; the daemon ticker is stopped as main exits", flush=True)
