# The block is cleaned up, but the main process fills it: the children do nothing.
from multiprocessing import Process, shared_memory


def fill(name, n):
    pass


def round_trip(number):
    block = shared_memory.SharedMemory(name="squares", create=True, size=8)
    p = Process(target=fill, args=(block.name, 8), name=f"filler-{number}")
    p.start()
    p.join()
    for i in range(8):
        block.buf[i] = i * i
    print(f"round {number}: squares = {list(block.buf[:8])}", flush=True)
    block.close()
    block.unlink()


if __name__ == "__main__":
    round_trip(1)
    round_trip(2)
