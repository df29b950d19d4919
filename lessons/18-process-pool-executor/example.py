# concurrent.futures: the same pool idea with futures.
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed


def slow_square(n):
    time.sleep(0.05 * (5 - n))  # 1 is the slowest, 4 the quickest
    print(f"worker pid {os.getpid()} squared {n}", flush=True)
    return n * n


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=3) as executor:
        futures = {executor.submit(slow_square, n): n for n in range(1, 5)}
        print("main: 4 tasks submitted", flush=True)
        for future in as_completed(futures):  # in the order they finish
            print(f"main: {futures[future]} squared = {future.result()}", flush=True)

        print(f"main: map keeps input order: {list(executor.map(slow_square, range(1, 5)))}", flush=True)

        bad = executor.submit(int, "not a number")
        try:
            bad.result(timeout=2)
        except ValueError as err:
            print(f"main: the worker's error came back: {err!r}", flush=True)
    print("main: executor shut down", flush=True)
