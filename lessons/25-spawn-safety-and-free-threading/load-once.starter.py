# The settings are loaded at module level, so every spawned worker loads
# them again when it imports this file. Load them once, in the main
# process, and hand them to the workers.
import time
from multiprocessing import current_process, get_context


def load_settings():
    print("loading settings", flush=True)
    time.sleep(0.2)  # pretend: read a file, ask a server
    return {"limit": 10}


SETTINGS = load_settings()


def work():
    print(f"{current_process().name} uses limit={SETTINGS['limit']}", flush=True)


if __name__ == "__main__":
    ctx = get_context("spawn")  # as on Windows and macOS
    workers = [ctx.Process(target=work, name=f"worker-{i}") for i in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
