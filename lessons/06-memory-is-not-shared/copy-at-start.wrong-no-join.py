# The parent reports before the child has even run: nothing proves the child could not change it.
import time
from multiprocessing import Process


def child(box):
    time.sleep(1.0)
    print(f"child sees x = {box['x']}", flush=True)
    box["x"] = 99
    print(f"child now has x = {box['x']}", flush=True)


if __name__ == "__main__":
    box = {"x": 5}
    p = Process(target=child, args=(box,), name="child")
    p.start()
    print(f"parent sees x = {box['x']}", flush=True)
    p.join()
