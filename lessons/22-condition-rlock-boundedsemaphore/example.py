# Condition: wait until something is true, woken by whoever makes it true.
# RLock: a lock its holder may take again. BoundedSemaphore: a semaphore
# that refuses to be released more often than it was acquired.
import time
from multiprocessing import BoundedSemaphore, Condition, Process, RLock, Value, current_process


def wait_for_stock(cond, stock):
    name = current_process().name
    with cond:
        cond.wait_for(lambda: stock.value > 0)  # sleeps until notified and true
        stock.value -= 1
        print(f"{name}: took one, {stock.value} left", flush=True)


def restock(cond, stock):
    time.sleep(0.3)
    with cond:
        stock.value += 3
        print("restocker: added 3", flush=True)
        cond.notify_all()  # wake every waiter; each checks its condition again


def deposit(lock, balance, amount):
    with lock:
        balance.value += amount


def transfer(lock, balance):
    with lock:  # held here, and taken again inside deposit(): an RLock allows it
        deposit(lock, balance, 10)
        deposit(lock, balance, 5)
    print(f"{current_process().name}: balance = {balance.value}", flush=True)


if __name__ == "__main__":
    cond, stock = Condition(), Value("i", 0, lock=False)
    buyers = [Process(target=wait_for_stock, args=(cond, stock), name=f"buyer-{i}") for i in (1, 2, 3)]
    for b in buyers:
        b.start()
    r = Process(target=restock, args=(cond, stock), name="restocker")
    r.start()
    for p in buyers + [r]:
        p.join()

    lock, balance = RLock(), Value("i", 0, lock=False)
    t = Process(target=transfer, args=(lock, balance), name="transfer")
    t.start()
    t.join()

    slots = BoundedSemaphore(2)
    slots.acquire()
    slots.release()
    try:
        slots.release()  # one release too many
    except ValueError as e:
        print(f"main: BoundedSemaphore refused: {e}", flush=True)
