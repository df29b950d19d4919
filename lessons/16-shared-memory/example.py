# A named block of shared memory, opened by name in a child.
import os
from multiprocessing import Process, shared_memory


def shout(name):
    block = shared_memory.SharedMemory(name=name)  # attach to the existing block
    block.buf[:5] = bytes(block.buf[:5]).upper()
    block.buf[5] = 1  # a flag: "the child was here"
    print(f"child (pid {os.getpid()}): changed {name} in place", flush=True)
    block.close()  # this process is done with it; the block stays


if __name__ == "__main__":
    block = shared_memory.SharedMemory(create=True, size=16)
    block.buf[:5] = b"hello"
    print(f"main: created {block.name}, {block.size} bytes: {bytes(block.buf[:6])}", flush=True)

    p = Process(target=shout, args=(block.name,), name="shouter")
    p.start()
    p.join()

    print(f"main: after the child: {bytes(block.buf[:6])}", flush=True)
    block.close()  # detach this process
    block.unlink()  # destroy the block: do it exactly once, when nobody needs it
    print("main: closed and unlinked", flush=True)
