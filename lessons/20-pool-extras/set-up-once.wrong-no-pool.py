import time
from multiprocessing import current_process


def load_table():
    time.sleep(0.1)
    print(f"{current_process().name}: loading the table", flush=True)
    return {n: n * n for n in range(100)}


if __name__ == "__main__":
    table = load_table()
    print("ForkPoolWorker-1: loading the table", flush=True)
    print("results =", [table[n] for n in range(8)])
