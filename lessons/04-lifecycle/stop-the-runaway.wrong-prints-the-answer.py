# The runaway is never stopped; the expected exit code is printed as text.
import time
from multiprocessing import Process


def runaway():
    for i in range(20):  # two seconds of work
        print(f"runaway: still busy ({i})", flush=True)
        time.sleep(0.1)


if __name__ == "__main__":
    p = Process(target=runaway, name="runaway", daemon=True)
    p.start()
    p.join(timeout=0.3)
    print("runaway exitcode = -15", flush=True)
