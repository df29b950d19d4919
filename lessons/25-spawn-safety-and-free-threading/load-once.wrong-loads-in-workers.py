import time
from multiprocessing import current_process, get_context


def load_settings():
    print("loading settings", flush=True)
    time.sleep(0.2)
    return {"limit": 10}


def work():
    settings = load_settings()  # once per worker: still two loads
    print(f"{current_process().name} uses limit={settings['limit']}", flush=True)


if __name__ == "__main__":
    ctx = get_context("spawn")
    workers = [ctx.Process(target=work, name=f"worker-{i}") for i in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
