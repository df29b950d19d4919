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
        readers.append((delay, r))
    answers = [(delay, r.recv()) for delay, r in readers]  # slow first, the others wait
    for delay, msg in sorted(answers):
        print(f"after {delay} s: {msg}", flush=True)
    print("main: all three answered")
