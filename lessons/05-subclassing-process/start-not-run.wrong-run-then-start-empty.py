# The greetings come from run() in the main process; the started processes say nothing.
import os
from multiprocessing import Process


class Greeter(Process):
    def __init__(self, greeting):
        super().__init__()
        self.greeting = greeting

    def greet(self):
        print(f"{self.name} says {self.greeting} from pid {os.getpid()}", flush=True)


if __name__ == "__main__":
    greeters = [Greeter(g) for g in ("hello", "hola", "你好")]
    for g in greeters:
        g.greet()
        g.start()
    for g in greeters:
        g.join()
