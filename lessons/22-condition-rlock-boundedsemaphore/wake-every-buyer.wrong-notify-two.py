import time
from multiprocessing import Barrier, Condition, Process, Value, current_process


def buy(cond, stock, all_here):
    name = current_process().name
    all_here.wait()
    with cond:
        while stock.value == 0:
            if not cond.wait(timeout=1.0):  # False: nobody woke us within 1 s
                print(f"{name}: gave up waiting", flush=True)
                return
        stock.value -= 1
        print(f"{name}: took one", flush=True)


def restock(cond, stock, all_here):
    all_here.wait()
    time.sleep(0.2)  # the buyers are waiting by now
    with cond:
        stock.value += 3
        cond.notify(2)


if __name__ == "__main__":
    cond, stock, all_here = Condition(), Value("i", 0, lock=False), Barrier(4)
    procs = [Process(target=buy, args=(cond, stock, all_here), name=f"buyer-{i}") for i in (1, 2, 3)]
    procs.append(Process(target=restock, args=(cond, stock, all_here), name="restocker"))
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(f"main: {stock.value} left in stock")
