# The main process prints all three lines; the child prints nothing.
from multiprocessing import Process


def child(box):
    box["x"] = 99


if __name__ == "__main__":
    box = {"x": 5}
    p = Process(target=child, args=(box,), name="child")
    p.start()
    p.join()
    print("child sees x = 5")
    print("child now has x = 99")
    print(f"parent sees x = {box['x']}")
