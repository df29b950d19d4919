from multiprocessing import Process, Queue


def produce(q):
    for i in range(3):
        q.put("x" * 200_000)
    print("producer: put 3 items", flush=True)


if __name__ == "__main__":
    q = Queue()
    p = Process(target=produce, args=(q,), name="producer")
    p.start()
    for _ in range(3):  # take everything the producer put ...
        item = q.get()
        print(f"main: got {len(item)} bytes", flush=True)
    p.join()  # ... and only then wait for it to end
    print("main: joined the producer", flush=True)
