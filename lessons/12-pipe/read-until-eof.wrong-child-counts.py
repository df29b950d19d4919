# The child counts its own words and prints the answer; the main process receives nothing.
from multiprocessing import Pipe, Process

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon"]


def send_words(writer):
    print(f"words = {len(WORDS)}", flush=True)
    print(f"last = {WORDS[-1]!r}", flush=True)
    writer.close()


if __name__ == "__main__":
    reader, writer = Pipe(duplex=False)
    p = Process(target=send_words, args=(writer,))
    p.start()
    p.join()
