from multiprocessing import Process


def fill(value):
    pass


if __name__ == "__main__":
    total = 0
    for value in (10, 20, 30):
        w = Process(target=fill, args=(value,), name=f"worker-{value}")
        w.start()
        w.join()
        total += value
    print(f"main: total = {total}", flush=True)
