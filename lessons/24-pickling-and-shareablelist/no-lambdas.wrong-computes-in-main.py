from multiprocessing import Pool

if __name__ == "__main__":
    with Pool(2) as pool:
        results = [n * n + 1 for n in range(6)]  # the pool does nothing
    print("results =", results)
