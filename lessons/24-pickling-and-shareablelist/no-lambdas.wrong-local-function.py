from multiprocessing import Pool


def run():
    def square_plus_one(n):  # local: pickle cannot find it by name
        return n * n + 1

    with Pool(2) as pool:
        return pool.map(square_plus_one, range(6))


if __name__ == "__main__":
    print("results =", run())
