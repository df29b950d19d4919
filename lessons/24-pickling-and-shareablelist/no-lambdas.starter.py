# A pool sends its function to the workers by pickling it, and a lambda
# cannot be pickled: this fails with PicklingError. Make it work.
from multiprocessing import Pool

if __name__ == "__main__":
    with Pool(2) as pool:
        results = pool.map(lambda n: n * n + 1, range(6))
    print("results =", results)
