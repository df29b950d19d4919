# The tracker is told to forget the block instead of the block being destroyed: no warning,
# but the block stays in /dev/shm, and the second round cannot make its own.
from multiprocessing import Process, resource_tracker, shared_memory


def fill(name, n):
    block = shared_memory.SharedMemory(name=name)
    for i in range(n):
        block.buf[i] = i * i
    block.close()


def round_trip(number):
    block = shared_memory.SharedMemory(name="squares", create=True, size=8)
    p = Process(target=fill, args=(block.name, 8), name=f"filler-{number}")
    p.start()
    p.join()
    print(f"round {number}: squares = {list(block.buf[:8])}", flush=True)
    block.close()
    resource_tracker.unregister(block._name, "shared_memory")


if __name__ == "__main__":
    round_trip(1)
    round_trip(2)
