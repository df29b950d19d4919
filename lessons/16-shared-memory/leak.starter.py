from multiprocessing import Process, shared_memory


def fill(name, n):
    block = shared_memory.SharedMemory(name=name)
    for i in range(n):
        block.buf[i] = i * i
    block.close()


if __name__ == "__main__":
    block = shared_memory.SharedMemory(create=True, size=8)
    p = Process(target=fill, args=(block.name, 8))
    p.start()
    p.join()
    print(f"squares = {list(block.buf[:8])}")
    block.close()
