# What can travel between processes is what pickle can carry. Functions
# travel by name, so lambdas and local functions cannot. A ShareableList
# is shared memory with a list's face: no pickling at all.
import pickle
import threading
from functools import partial
from multiprocessing import Pool, Process, shared_memory


def power(base, exp):
    return base ** exp


def can_pickle(label, obj):
    try:
        pickle.dumps(obj)
        print(f"{label}: pickles", flush=True)
    except Exception as e:
        print(f"{label}: cannot pickle ({type(e).__name__})", flush=True)


def fill(name, slot):
    sl = shared_memory.ShareableList(name=name)  # attach to the existing block
    sl[slot] = slot * 100 + 1
    sl.shm.close()


if __name__ == "__main__":
    can_pickle("module-level function", power)
    can_pickle("partial of it", partial(power, exp=2))
    can_pickle("lambda", lambda x: x * x)
    can_pickle("a thread lock", threading.Lock())
    can_pickle("a generator", (n for n in range(3)))

    with Pool(2) as pool:
        # the function travels as a name; partial carries the name and exp
        print("squares =", pool.map(partial(power, exp=2), range(5)), flush=True)

    # ShareableList: fixed length; int, float, bool, str, bytes, None items.
    sl = shared_memory.ShareableList([0, 0, 0, "empty"])
    workers = [Process(target=fill, args=(sl.shm.name, i), name=f"filler-{i}") for i in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sl[3] = "full"
    print("shared list =", list(sl), flush=True)
    sl.shm.close()
    sl.shm.unlink()  # free the block once nobody needs it
