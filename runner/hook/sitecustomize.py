"""Startup hook of the multiprocessing playground.

Python imports this module in every process of a run, before the program's
first line. It keeps that cost small and does three things:

* waits, in the main process only, until the playground observes it;
* makes stdout and stderr line-buffered, as on a terminal, and splits very
  large writes so that each fits one datagram of the output socket;
* tells the playground the name multiprocessing gives to each process it is
  about to start (Process-1, ForkPoolWorker-2, ...);
* keeps the reports of _playground_ipc that are waiting to be sent in order
  with everything else the process says: they go out before its next output,
  its next message, its next fork, its next sleep and its end.
"""

import _thread
import os
import sys


def _playground_wait():
    fd = os.environ.pop("PLAYGROUND_GO_FD", None)
    if fd is None:
        return
    try:
        os.read(int(fd), 1)
        os.close(int(fd))
    except (OSError, ValueError):
        pass


_playground_wait()

_CHUNK = 65536
_ADDR = os.environ.get("PLAYGROUND_EVENTS", "")
if _ADDR.startswith("@"):
    _ADDR = "\0" + _ADDR[1:]


def _playground_streams():
    import io
    import stat

    class ChunkedFileIO(io.FileIO):
        def write(self, b):
            if _ipc_buf:
                _ipc_flush()
            with memoryview(b) as m:
                return super().write(m[:_CHUNK])

    for fd, name in ((1, "stdout"), (2, "stderr")):
        old = getattr(sys, name, None)
        try:
            if old is None or not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
        except OSError:
            continue
        raw = ChunkedFileIO(fd, "w", closefd=False)
        new = io.TextIOWrapper(io.BufferedWriter(raw), encoding=old.encoding,
                               errors=old.errors, line_buffering=True)
        setattr(sys, name, new)
        setattr(sys, "__%s__" % name, new)


_playground_streams()

_sock = None

# Reports of _playground_ipc waiting to be sent, as text lines; they leave
# together, as one datagram, so that a hot loop pays one send for many.
_ipc_buf = []
# Re-entrant: a signal handler that prints may run in the middle of a flush.
_ipc_lock = _thread.RLock()
_ipc_sent = [0]  # reports sent so far by this process
_IPC_DATAGRAM = 128 << 10  # bytes: under net.core.wmem_max on common hosts


def _ipc_flush():
    """Sends the waiting reports, in order, as one datagram."""
    with _ipc_lock:
        n = len(_ipc_buf)
        if not n:
            return
        lines = _ipc_buf[:n]
        del _ipc_buf[:n]
        _send_lines(lines)
        # Counted once sent: a queue's feeder thread that finds its put
        # counted may let the item go.
        _ipc_sent[0] += n


def _send_lines(lines):
    msg = "\n".join(lines).encode("utf-8", "replace")
    if len(msg) > _IPC_DATAGRAM and len(lines) > 1:
        # Too large for one datagram on some hosts: in halves, in order.
        half = len(lines) // 2
        _send_lines(lines[:half])
        _send_lines(lines[half:])
        return
    _send_now(msg)


def _ipc_forked():
    global _ipc_lock
    _ipc_lock = _thread.RLock()
    del _ipc_buf[:]
    _ipc_sent[0] = 0


def _ipc_send_waiting():
    """Sends the waiting reports, if any: before a fork, at the end, and
    before anything else the process is about to do that others see."""
    if _ipc_buf:
        _ipc_flush()


# time.sleep, that first sends the waiting reports: a program that sleeps
# is seen to be idle, and what it did just before is shown now. It passes
# for the built-in wherever a program or a library could tell them apart:
# no __dict__ (xmlrpc refuses to send it, as it does the built-in), its
# name, module, doc and repr, and pickling by reference.
class _Sleep:
    __slots__ = ()
    __module__ = "time"
    __name__ = __qualname__ = "sleep"

    def __call__(self, secs):
        if _ipc_buf:
            _ipc_flush()
        return _time_sleep(secs)

    def __reduce__(self):
        return "sleep"

    def __repr__(self):
        return "<built-in function sleep>"


def _playground_connect():
    global _sock
    import _socket
    _sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)
    try:
        # Room for bursts of reports while the playground catches up (the
        # kernel caps it at net.core.wmem_max).
        _sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 1 << 20)
    except OSError:
        pass
    _sock.connect(_ADDR)


def _playground_send(msg):
    """Sends one message to the playground; one datagram, in order."""
    if _ipc_buf:
        _ipc_flush()
    _send_now(msg)


def _send_now(msg):
    if not _ADDR:
        return
    try:
        _sock.send(msg)
    except (AttributeError, OSError):
        # Not connected yet, or the program closed our descriptor.
        try:
            _playground_connect()
            _sock.send(msg)
        except OSError:
            pass


def _playground_announce(via, name):
    import _json
    import _thread
    _playground_send(('{"k":"%s","name":%s,"tid":%d}' % (
        via, _json.encode_basestring_ascii(str(name)), _thread.get_native_id())).encode())


def _playground_patch(module, via):
    cls = getattr(module, "Popen", None)
    launch = cls and cls.__dict__.get("_launch")
    if launch is None:
        return

    def _launch(self, process_obj):
        _playground_announce(via, getattr(process_obj, "name", "?"))
        return launch(self, process_obj)

    cls._launch = _launch


def _playground_patch_shm(module):
    """A SharedMemory block larger than the run's /dev/shm cannot be made:
    the playground is told, and ends the run with a plain sentence, instead
    of the learner reading "File too large"."""
    limit = int(os.environ.get("PLAYGROUND_SHM_BYTES", "0") or 0)
    cls = getattr(module, "SharedMemory", None)
    init = cls and cls.__dict__.get("__init__")
    if not limit or init is None:
        return
    import time
    sleep = time.sleep

    def __init__(self, name=None, create=False, size=0, *args, **kwargs):
        if create and isinstance(size, int) and size > limit:
            _playground_send(b'{"k":"shm_limit"}')
            sleep(5)  # the run is ended meanwhile
        init(self, name, create, size, *args, **kwargs)

    cls.__init__ = __init__


_IPC = os.environ.get("PLAYGROUND_IPC", "on") != "off"
_IPC_MODULES = frozenset((
    "multiprocessing.queues", "multiprocessing.connection", "multiprocessing.synchronize",
    "multiprocessing.sharedctypes", "multiprocessing.shared_memory", "multiprocessing.pool",
    "multiprocessing.spawn", "multiprocessing.process",
))
# The default start method of the run, when the playground sets one (as a
# newer Python's default would be): a program that chooses its own with
# set_start_method or get_context still gets it.
_START_METHOD = os.environ.get("PLAYGROUND_START_METHOD", "")


def _playground_default_start_method(module):
    ctx = module._concrete_contexts.get(_START_METHOD)
    if ctx is not None:
        module._default_context._default_context = ctx


# --- tracebacks -------------------------------------------------------------
#
# A traceback shows the program's frames and Python's own, never this hook's:
# the traceback module skips them wherever it walks a traceback or a stack
# (multiprocessing's report of a child's exception, a pool's remote
# traceback, threads), and an uncaught exception whose traceback has one is
# printed through it.

_HOOK_DIR = os.path.dirname(os.path.abspath(__file__))


def _playground_hidden(frame):
    return os.path.dirname(frame.f_code.co_filename) == _HOOK_DIR


def _playground_patch_traceback(module):
    def skipping(walk):
        def walk_visible(*args, **kwargs):
            for item in walk(*args, **kwargs):
                if not _playground_hidden(item[0]):
                    yield item
        walk_visible.__name__ = walk.__name__
        walk_visible.__qualname__ = walk.__qualname__
        walk_visible.__doc__ = walk.__doc__
        return walk_visible

    for name in ("walk_tb", "walk_stack", "_walk_tb_with_full_positions"):
        walk = getattr(module, name, None)
        if walk is not None:
            setattr(module, name, skipping(walk))


def _playground_shows_hook(exc, depth=0):
    """Whether a traceback of exc, its cause or its context, has a frame of
    the hook."""
    if exc is None or depth > 20:
        return False
    tb = exc.__traceback__
    while tb is not None:
        if _playground_hidden(tb.tb_frame):
            return True
        tb = tb.tb_next
    return (_playground_shows_hook(exc.__cause__, depth + 1)
            or _playground_shows_hook(exc.__context__, depth + 1))


def _playground_excepthook(typ, value, tb):
    if _playground_shows_hook(value):
        import traceback
        traceback.print_exception(typ, value, tb)
    else:
        sys.__excepthook__(typ, value, tb)


_playground_excepthook.__name__ = _playground_excepthook.__qualname__ = "excepthook"
sys.excepthook = _playground_excepthook


def _playground_patch_ipc(module, name):
    import _playground_ipc
    _playground_ipc.PATCHES[name](module)


class _PlaygroundFinder:
    """Patches multiprocessing's modules as they are imported: the process
    launchers (to name the processes) and, unless switched off, the objects
    that carry messages between processes (see _playground_ipc)."""

    launchers = {
        "multiprocessing.popen_fork": "fork",
        "multiprocessing.popen_spawn_posix": "spawn",
        "multiprocessing.popen_forkserver": "forkserver",
    }

    def find_spec(self, name, path, target=None):
        via = self.launchers.get(name)
        shm = name == "multiprocessing.shared_memory"
        tb = name == "traceback"
        ctx = name == "multiprocessing.context" and _START_METHOD
        if via is None and not shm and not tb and not ctx and not (_IPC and name in _IPC_MODULES):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            if via is not None:
                _playground_patch(module, via)
            elif _IPC and name in _IPC_MODULES:
                _playground_patch_ipc(module, name)
            if shm:
                _playground_patch_shm(module)
            if tb:
                _playground_patch_traceback(module)
            if ctx:
                _playground_default_start_method(module)

        loader.exec_module = exec_and_patch
        return spec


sys.meta_path.insert(0, _PlaygroundFinder())

def _playground_close():
    """Closes the channel to the playground as the main process ends, so
    that a program run with warnings on is not warned of it."""
    global _sock, _ADDR
    _ADDR = ""
    if _sock is not None:
        _sock.close()
        _sock = None


if _ADDR:
    import atexit

    # Registered first, so it runs last.
    atexit.register(_playground_close)

# --- stacks -------------------------------------------------------------------
#
# When a run seems stuck, the playground sends every process that catches
# _STACK_SIGNAL that signal; the process answers with one report: the
# program's frames of the thread to look at (one in a reported wait, the
# main thread first) and whether every thread of the program waits.

_STACK_SIGNAL = int(os.environ.get("PLAYGROUND_STACK_SIGNAL", "0") or 0)
_PROGRAM = os.environ.get("PLAYGROUND_PROGRAM", "")  # the program's file
_STACK_FRAMES = 32


def _playground_frames(frame):
    """The program's frames of a stack, outermost first, as "line\x1ffunction"
    joined by "\x1e": at most _STACK_FRAMES, the innermost ones."""
    main = _PROGRAM or getattr(sys.modules.get("__main__"), "__file__", None)
    frames = []
    while frame is not None and len(frames) < 4 * _STACK_FRAMES:
        code = frame.f_code
        if code.co_filename == main:
            frames.append("%d\x1f%s" % (frame.f_lineno, code.co_name))
        frame = frame.f_back
    frames.reverse()
    return "\x1e".join(frames[-_STACK_FRAMES:])


def _playground_internal_thread(thread):
    if thread.name == "QueueFeederThread":
        return True
    target = getattr(thread, "_target", None)
    return getattr(target, "__module__", "") in ("multiprocessing.pool", "multiprocessing.queues",
                                                 "multiprocessing.managers", "multiprocessing.util")


def _playground_stacks(signum, frame):
    ipc = sys.modules.get("_playground_ipc")
    waiting = ipc._waiting_threads if ipc is not None else {}
    threading = sys.modules.get("threading")
    threads = threading._active if threading is not None else {}
    main = _thread.get_ident() if threading is None else threading.main_thread().ident
    frames = sys._current_frames()
    frames[_thread.get_ident()] = frame
    chosen, all_wait = None, True
    for tid in sorted(frames, key=lambda t: t != main):
        t = threads.get(tid)
        if t is not None and _playground_internal_thread(t):
            continue
        if tid in waiting:
            if chosen is None:
                chosen = tid
        else:
            all_wait = False
    if chosen is None:
        chosen = main if main in frames else next(iter(frames))
    _playground_send(("\x01stack\t%d\t\t\t%s\t-1\t-1\t-1.000\t\t\t\t%s\t0" % (
        os.getpid(), _playground_frames(frames.get(chosen)), "w" if all_wait else "r")).encode())


if _IPC and _ADDR and _STACK_SIGNAL:
    import _signal
    try:
        _signal.signal(_STACK_SIGNAL, _playground_stacks)
    except (OSError, ValueError):
        pass

if _IPC and _ADDR:
    import atexit
    import time

    os.register_at_fork(before=_ipc_send_waiting, after_in_child=_ipc_forked)
    # Registered before the program's own handlers and multiprocessing's, so
    # it runs after them: the last reports of the main process are sent.
    atexit.register(_ipc_send_waiting)
    # A program that sleeps is seen to be idle: what it did just before is
    # shown now, not when it next does something.
    _time_sleep = time.sleep
    _Sleep.__doc__ = _time_sleep.__doc__
    time.sleep = _Sleep()
