# Two processes working side by side, started with arguments.
import time
from multiprocessing import Process


def chef(dish, steps):
    for i in range(1, steps + 1):
        print(f"chef: {dish} step {i}/{steps}", flush=True)
        time.sleep(0.1)


def waiter(tables, greeting="hello"):
    for table in tables:
        print(f"waiter: {greeting}, table {table}", flush=True)
        time.sleep(0.1)


if __name__ == "__main__":
    cook = Process(target=chef, args=("soup", 4), name="chef")
    serve = Process(target=waiter, args=([1, 2, 3],), kwargs={"greeting": "welcome"}, name="waiter")

    print("main: starting both", flush=True)
    cook.start()
    serve.start()
    print("main: both started, waiting with join()", flush=True)
    cook.join()
    serve.join()
    print("main: both finished", flush=True)
