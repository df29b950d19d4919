# start() and then run() as well: every greeting is said twice, once by the main process.
import os
from multiprocessing import Process


class Greeter(Process):
    def __init__(self, greeting):
        super().__init__()
        self.greeting = greeting

    def run(self):
        print(f"{self.name} says {self.greeting} from pid {os.getpid()}", flush=True)


if __name__ == "__main__":
    greeters = [Greeter(g) for g in ("hello", "hola", "你好")]
    for g in greeters:
        g.start()
        g.run()
    for g in greeters:
        g.join()
