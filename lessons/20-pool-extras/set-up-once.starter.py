# Every task loads the table again: eight loads for eight look-ups.
# Load it once per worker instead, with the Pool's initializer.
import time
from multiprocessing import Pool, current_process


def load_table():
    time.sleep(0.1)  # pretend this is slow: a file, a model, a connection
    print(f"{current_process().name}: loading the table", flush=True)
    return {n: n * n for n in range(100)}


def look_up(n):
    table = load_table()
    time.sleep(0.02)
    return table[n]


if __name__ == "__main__":
    with Pool(2) as pool:
        results = pool.map(look_up, range(8), chunksize=1)
        pool.close()  # no more tasks: the workers end when the map is done
        pool.join()
    print("results =", results)
