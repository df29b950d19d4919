# The work leaves the main process, but one worker does every chunk.
import os
from concurrent.futures import ProcessPoolExecutor

LIMIT = 200_000
CHUNKS = [(start, min(start + 50_000, LIMIT)) for start in range(0, LIMIT, 50_000)]


def count_primes(bounds):
    lo, hi = bounds
    print(f"chunk {lo}-{hi}: starting (pid {os.getpid()})", flush=True)
    count = sum(1 for n in range(max(lo, 2), hi) if all(n % d for d in range(2, int(n**0.5) + 1)))
    print(f"chunk {lo}-{hi}: {count} primes (pid {os.getpid()})", flush=True)
    return count


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=1) as executor:
        total = sum(executor.map(count_primes, CHUNKS))
    print(f"primes below {LIMIT} = {total}")
