# Pool.map and friends, then a pool that runs shell commands, with logging.
import logging
import subprocess
import time
from multiprocessing import Pool

# Every record says when (the wall clock, which all processes share) and in which process it was
# made. This runs at the top of the module, so every process runs it, whatever the start method: a
# forked worker inherits the set-up, a spawned one imports this file again and makes it anew.
logging.basicConfig(level=logging.INFO, format="%(asctime)s.%(msecs)03d %(processName)-22s %(message)s", datefmt="%H:%M:%S")
log = logging.getLogger("jobs")

COMMANDS = ["echo hello from the shell", "sleep 0.2; echo slow one done", "uname -s", "exit 3"]


def cube(n):
    return n**3


def power(base, exp):
    return base**exp


def nap(n):
    time.sleep(0.05 * (4 - n))  # 1 is the slowest, 3 the quickest
    return n


def run_command(cmd):
    log.info("running %r", cmd)
    done = subprocess.run(cmd, shell=True)  # the shell writes straight to our stdout
    log.info("%r exited with %d", cmd, done.returncode)
    return done.returncode


if __name__ == "__main__":
    pool = Pool(3)
    print("map:", pool.map(cube, range(1, 7), chunksize=2), flush=True)
    print("starmap:", pool.starmap(power, [(2, 3), (3, 2), (10, 2)]), flush=True)
    print("imap:", list(pool.imap(nap, [1, 2, 3])), flush=True)
    print("imap_unordered:", list(pool.imap_unordered(nap, [1, 2, 3])), flush=True)

    codes = pool.map(run_command, COMMANDS)
    failed = [c for c, code in zip(COMMANDS, codes) if code != 0]
    log.info("%d commands, %d failed: %s", len(COMMANDS), len(failed), failed)
    pool.close()
    pool.join()
