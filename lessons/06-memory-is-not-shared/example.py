# Each process has its own copy of every variable.
import os
from multiprocessing import Process

basket = ["apple", "pear"]
visits = 0


def shop():
    global visits
    basket.extend(["plum", "fig"])
    visits += 1
    print(f"child: basket = {basket}", flush=True)
    print(f"child: visits = {visits}, id(basket) = {id(basket):#x}, pid {os.getpid()}", flush=True)


if __name__ == "__main__":
    print(f"main before: basket = {basket}, id(basket) = {id(basket):#x}", flush=True)
    p = Process(target=shop, name="shopper")
    p.start()
    p.join()
    print(f"main after join: basket = {basket}", flush=True)
    print(f"main after join: visits = {visits}", flush=True)
