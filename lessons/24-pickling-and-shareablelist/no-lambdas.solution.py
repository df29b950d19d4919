from multiprocessing import Pool


def square_plus_one(n):  # module level: the workers find it by its name
    return n * n + 1


if __name__ == "__main__":
    with Pool(2) as pool:
        results = pool.map(square_plus_one, range(6))
    print("results =", results)
