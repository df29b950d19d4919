import time
from multiprocessing import current_process, get_context


def load_settings():
    print("loading settings", flush=True)
    time.sleep(0.2)
    return {"limit": 10}


SETTINGS = load_settings()


def work():
    print(f"{current_process().name} uses limit={SETTINGS['limit']}", flush=True)


if __name__ == "__main__":
    ctx = get_context("fork")  # hides the problem here; Windows and macOS have no fork default
    workers = [ctx.Process(target=work, name=f"worker-{i}") for i in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
