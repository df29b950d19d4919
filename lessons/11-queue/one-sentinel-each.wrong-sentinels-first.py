# One sentinel per consumer, but sent before the items: the consumers stop at once and the items stay.
from multiprocessing import Process, Queue, current_process

CONSUMERS = 2


def consume(q):
    handled = 0
    while True:
        item = q.get(timeout=1)
        if item is None:
            break
        handled += 1
    print(f"{current_process().name} done after {handled} items", flush=True)


if __name__ == "__main__":
    q = Queue()
    consumers = [Process(target=consume, args=(q,), name=f"consumer-{i}") for i in range(1, CONSUMERS + 1)]
    for c in consumers:
        c.start()
    for _ in consumers:
        q.put(None)
    for item in range(10):
        q.put(item)
    for c in consumers:
        c.join()
    print("main: exit codes", [c.exitcode for c in consumers])
