import time
from multiprocessing import Pool, current_process


def load_table():
    time.sleep(0.1)
    print(f"{current_process().name}: loading the table", flush=True)
    return {n: n * n for n in range(100)}


def look_up(args):
    table, n = args
    time.sleep(0.02)
    return table[n]


if __name__ == "__main__":
    table = load_table()  # loaded once, but then copied with every task
    with Pool(2) as pool:
        results = pool.map(look_up, [(table, n) for n in range(8)], chunksize=1)
        pool.close()  # no more tasks: the workers end when the map is done
        pool.join()
    print("results =", results)
