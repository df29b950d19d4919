from multiprocessing import Process, shared_memory


def fill(name, n):
    block = shared_memory.SharedMemory(name=name)
    for i in range(n):
        block.buf[i] = i * i
    block.close()


def round_trip(number):
    # Each round makes a block with the same name: that only works if the last one is gone.
    block = shared_memory.SharedMemory(name="squares", create=True, size=8)
    p = Process(target=fill, args=(block.name, 8), name=f"filler-{number}")
    p.start()
    p.join()
    print(f"round {number}: squares = {list(block.buf[:8])}", flush=True)
    block.close()


if __name__ == "__main__":
    round_trip(1)
    round_trip(2)
