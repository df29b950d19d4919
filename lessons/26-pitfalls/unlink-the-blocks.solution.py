from multiprocessing import Process, shared_memory


def fill(name, value):
    block = shared_memory.SharedMemory(name=name)
    block.buf[0] = value
    block.close()


if __name__ == "__main__":
    total = 0
    for value in (10, 20, 30):
        block = shared_memory.SharedMemory(create=True, size=16)
        w = Process(target=fill, args=(block.name, value), name=f"worker-{value}")
        w.start()
        w.join()
        total += block.buf[0]
        block.close()
        block.unlink()  # the creator frees the block once nobody needs it
    print(f"main: total = {total}", flush=True)
