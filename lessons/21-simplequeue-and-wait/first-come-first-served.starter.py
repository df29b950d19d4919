# Three reporters answer after different delays, each through its own pipe.
# The main process reads the pipes in a fixed order, so the fast answer
# waits behind the slow one. Answer whichever is ready first.
import time
from multiprocessing import Barrier, Pipe, Process, current_process


def report(conn, delay, ready):
    ready.wait()  # the three start their delays at the same moment
    time.sleep(delay)
    conn.send(f"{current_process().name} slept {delay} s")
    conn.close()


if __name__ == "__main__":
    readers, ready = [], Barrier(3)
    for name, delay in (("slow", 0.6), ("medium", 0.3), ("fast", 0.1)):
        r, w = Pipe(duplex=False)
        Process(target=report, args=(w, delay, ready), name=name).start()
        w.close()
        readers.append(r)
    start = time.perf_counter()
    for r in readers:
        msg = r.recv()  # blocks until this pipe has a message
        print(f"after {time.perf_counter() - start:.1f} s: {msg}", flush=True)
    print("main: all three answered")
