# Under spawn a child starts a new interpreter and imports your program's
# file again (as "__mp_main__"): whatever runs at module level runs again.
import multiprocessing as mp
import os
import sys
import sysconfig

print(f"module level: __name__ = {__name__!r} in pid {os.getpid()}", flush=True)


def child():
    print(f"{mp.current_process().name}: hello from pid {os.getpid()}", flush=True)


if __name__ == "__main__":
    mp.freeze_support()  # needed only in a frozen Windows executable; harmless here
    print("python", sys.version.split()[0], flush=True)
    print("free-threaded build:", bool(sysconfig.get_config_var("Py_GIL_DISABLED")), flush=True)
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)  # Python 3.13+
    print("GIL enabled:", is_gil_enabled() if is_gil_enabled else True, flush=True)
    print("start methods here:", mp.get_all_start_methods(), flush=True)
    for method in ("spawn", "fork"):
        p = mp.get_context(method).Process(target=child, name=f"{method}-child")
        p.start()
        p.join()
