from multiprocessing import Process


def child(box):
    print(f"child sees x = {box['x']}", flush=True)
    box["x"] = 99
    print(f"child now has x = {box['x']}", flush=True)


if __name__ == "__main__":
    box = {"x": 0}
    p = Process(target=child, args=(box,), name="child")
    p.start()
    box["x"] = 5
    p.join()
    print(f"parent sees x = {box['x']}")
