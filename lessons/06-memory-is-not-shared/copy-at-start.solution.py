from multiprocessing import Process

x = 0


def child():
    global x
    print(f"child sees x = {x}", flush=True)
    x = 99
    print(f"child now has x = {x}", flush=True)


if __name__ == "__main__":
    x = 5
    p = Process(target=child)
    p.start()
    p.join()
    print(f"parent sees x = {x}")
