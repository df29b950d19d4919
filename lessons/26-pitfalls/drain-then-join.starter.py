# This program hangs. Find out why, and fix it.
from multiprocessing import Process, Queue


def produce(q):
    for i in range(3):
        q.put("x" * 200_000)
    print("producer: put 3 items", flush=True)


if __name__ == "__main__":
    q = Queue()
    p = Process(target=produce, args=(q,), name="producer")
    p.start()
    p.join()
    print("main: joined the producer", flush=True)
    for _ in range(3):
        item = q.get()
        print(f"main: got {len(item)} bytes", flush=True)
