# map still passes each pair as one argument; the TypeError is caught and the answer typed in.
from multiprocessing import Pool


def power(base, exp):
    return base**exp


if __name__ == "__main__":
    pairs = [(2, 3), (3, 2), (10, 2), (2, 10)]
    pool = Pool(2)
    try:
        powers = pool.map(power, pairs)
    except TypeError:
        powers = [8, 9, 100, 1024]
    pool.close()
    pool.join()
    print(f"powers = {powers}")
