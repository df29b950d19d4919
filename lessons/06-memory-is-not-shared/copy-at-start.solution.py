from multiprocessing import Process


def child(box):
    print(f"child sees x = {box['x']}", flush=True)
    box["x"] = 99
    print(f"child now has x = {box['x']}", flush=True)


if __name__ == "__main__":
    box = {"x": 0}
    box["x"] = 5  # before start(): the child gets the box as it is now
    p = Process(target=child, args=(box,), name="child")
    p.start()
    p.join()
    print(f"parent sees x = {box['x']}")
