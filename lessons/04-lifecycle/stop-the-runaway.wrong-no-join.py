# terminate() only sends the signal: without join() the exit code is read too early.
import time
from multiprocessing import Process


def runaway():
    for i in range(20):  # two seconds of work
        print(f"runaway: still busy ({i})", flush=True)
        time.sleep(0.1)


if __name__ == "__main__":
    p = Process(target=runaway, name="runaway")
    p.start()
    p.join(timeout=0.3)
    p.terminate()
    print(f"runaway exitcode = {p.exitcode}", flush=True)
