# The pool is made but the powers are computed in the main process.
from multiprocessing import Pool


def power(base, exp):
    return base**exp


if __name__ == "__main__":
    pairs = [(2, 3), (3, 2), (10, 2), (2, 10)]
    pool = Pool(2)
    powers = [power(b, e) for b, e in pairs]
    pool.close()
    pool.join()
    print(f"powers = {powers}")
