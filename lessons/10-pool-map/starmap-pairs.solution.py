from multiprocessing import Pool


def power(base, exp):
    return base**exp


if __name__ == "__main__":
    pairs = [(2, 3), (3, 2), (10, 2), (2, 10)]
    pool = Pool(2)
    powers = pool.starmap(power, pairs)
    pool.close()
    pool.join()
    print(f"powers = {powers}")
