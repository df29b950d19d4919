import time
from multiprocessing import Pool, current_process

table = None


def load_table():
    time.sleep(0.1)
    print(f"{current_process().name}: loading the table", flush=True)
    return {n: n * n for n in range(100)}


def setup():
    global table
    table = load_table()


def look_up(n):
    time.sleep(0.02)
    return table[n]


if __name__ == "__main__":
    # a new worker for every task: the initializer runs eight times
    with Pool(2, initializer=setup, maxtasksperchild=1) as pool:
        results = pool.map(look_up, range(8), chunksize=1)
        pool.close()  # no more tasks: the workers end when the map is done
        pool.join()
    print("results =", results)
