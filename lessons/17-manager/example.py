# A Manager process holds a real dict and list; the others talk to it.
import os
from multiprocessing import Manager, Process, active_children, current_process


def count_letters(word, sizes, log, lock):
    sizes[word] = len(word)  # one message to the manager: safe on its own
    log.append(f"{current_process().name} (pid {os.getpid()}) measured {word!r}")
    with lock:  # read-modify-write over proxies needs a lock, as always
        sizes["total"] = sizes.get("total", 0) + len(word)


if __name__ == "__main__":
    with Manager() as manager:
        print(f"children so far: {[p.name for p in active_children()]}", flush=True)
        sizes = manager.dict()
        log = manager.list()
        lock = manager.Lock()
        words = ["process", "queue", "pipe"]
        workers = [Process(target=count_letters, args=(w, sizes, log, lock), name=f"counter-{i}") for i, w in enumerate(words, 1)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

        for line in log:
            print(line)
        print(f"sizes = {dict(sorted(sizes.items()))}")
        print(f"entries = {len(log)}")
