"""What flows between the processes of a run.

The startup hook imports this module when multiprocessing's queues,
connections, locks, shared values, shared memory or pools are first
imported. It reports, as small datagrams to the playground, the items put
into and taken from queues, the messages sent through pipes, the tasks of
pools, the writes to shared values and the taking and releasing of locks.

Only objects the program itself creates are reported: the queues and locks
that multiprocessing makes for its own use stay silent. An object is known
by a key that every process holding it can compute (the inode of a pipe,
the name of a semaphore, the place of a value in the shared heap); the
keys of the program's objects travel to spawned children with the rest of
the preparation data, and fork children inherit them.

Reports wait in a small buffer (sitecustomize._ipc_buf) while a process is
busy with messages, and leave together as one datagram; a report that comes
alone leaves at once. The buffer is sent before anything that another
process or the playground could see after it: before an item leaves for
another process (a queue's feeder thread sends the put reports first), a
message is sent through a pipe, a lock is released, a shared value is
written, the process prints, starts a process or ends, and before it may
wait (a get from an empty queue, a recv from a silent pipe, an acquire of a
held lock, join, sleep). So the stream keeps the true order: a put before
its get, a release before the next acquire, a report before the output
that follows it.
"""

import collections
import os
import sys
import time

import reprlib
import sitecustomize as _hook
from _thread import get_ident as _get_ident

_keys = set()  # the keys of the program's own objects
_MAX_KEYS = 4096
_MARK = "\0playground-item"  # wraps a queue item with the id of its put
_count = [0]
_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlong = 40
_SUMMARY = 80
_THIS = __name__


_SIMPLE = (int, float, bool, type(None))
_TEXT = (str, bytes)


def _summary(obj):
    t = type(obj)
    if t is int and not -_BIG < obj < _BIG:
        s = "<int of %d bits>" % obj.bit_length()
    elif t in _SIMPLE:
        s = repr(obj)
    elif t in _TEXT:
        s = repr(obj[:_SUMMARY])
    else:
        try:
            s = _repr.repr(obj)
        except Exception:
            s = "<%s>" % t.__name__
    if len(s) > _SUMMARY:
        s = s[:_SUMMARY - 1] + "\u2026"
    if "\t" in s or "\n" in s:
        s = s.replace("\t", " ").replace("\n", " ")
    return s


_getsizeof = sys.getsizeof
_BIG = 10 ** 70  # a smaller int's repr is short


def _size(obj):
    try:
        return sys.getsizeof(obj)
    except Exception:
        return -1


# One report is one line: "\x01" and tab-separated fields, in this order
# (ns: time.monotonic_ns() when it happened). Text fields hold no tab or
# newline (summaries are cleaned, keys are made here).
_FIELDS = ("type", "key", "object", "msg", "summary", "size", "index", "waited_ms",
           "task", "function", "error", "other", "ns")
_buf = _hook._ipc_buf
_sent = _hook._ipc_sent
_flush = _hook._ipc_flush
_now = time.monotonic_ns
_BATCH = 256  # reports in one datagram at most (the hook splits a large one)
_ALONE_NS = 1000000  # a report this long after the last one leaves at once
_pushed = [0]  # reports ever buffered by this process
_last = [0]  # when the last report was buffered


def _report(line, now, urgent=False):
    """Buffers one report; sends the buffer when the report is urgent (the
    process is about to do something others can see), came alone, or
    fills it."""
    _buf.append(line)
    _pushed[0] += 1
    last, _last[0] = _last[0], now
    if urgent or len(_buf) >= _BATCH or now - last > _ALONE_NS:
        _flush()


def _emit(kind, key, object="", msg="", summary="", size=-1, index=-1, waited_ms=-1.0,
          task="", function="", error="", other="", urgent=False):
    now = _now()
    _report("\x01%s\t%s\t%s\t%s\t%s\t%d\t%d\t%.3f\t%s\t%s\t%s\t%s\t%d" % (
        kind, key, object, msg, summary, size, index, waited_ms, task,
        _clean(function)[:_SUMMARY], _clean(error), other, now), now, urgent)


# Called before a call that may block: what the process did so far is
# shown while it waits.
_before_wait = _hook._ipc_send_waiting


def _clean(s):
    if "\t" in s or "\n" in s:
        s = s.replace("\t", " ").replace("\n", " ")
    return s


def _register(key):
    if len(_keys) < _MAX_KEYS:
        _keys.add(key)


def _inits(obj):
    """The code of the __init__ methods of obj's classes."""
    codes = set()
    for klass in type(obj).__mro__:
        code = getattr(klass.__dict__.get("__init__"), "__code__", None)
        if code is not None:
            codes.add(code)
    return codes


def _program_frame(obj, modules):
    """The frame of the program's own code that is creating obj, or None
    when multiprocessing creates it for its own use. (A frame's f_locals
    is never read: in a function's frame it would keep a copy of its
    variables alive, the program's objects with them.)"""
    f = sys._getframe(2)
    inits = None
    while f is not None:
        name = f.f_globals.get("__name__", "")
        if name == _THIS or name in modules:
            f = f.f_back
            continue
        if f.f_code.co_name == "__init__":
            if inits is None:
                inits = _inits(obj)
            if f.f_code in inits:
                f = f.f_back
                continue
        return None if name.startswith("multiprocessing") else f
    return None


def _made_by_program(obj, modules):
    """True when obj is being created by the program's own code, not by
    multiprocessing for its own use."""
    return _program_frame(obj, modules) is not None


# --- names --------------------------------------------------------------------
#
# An object is named after what the program assigns it to: the instructions
# right after the call that creates it store the result (`counter =
# Value(...)`, `self.lock = Lock()`, `a, b = Pipe()`). The names are read
# from the bytecode once per place of creation.

_STORES = ("STORE_NAME", "STORE_FAST", "STORE_GLOBAL", "STORE_DEREF")
_LOADS = ("LOAD_NAME", "LOAD_FAST", "LOAD_GLOBAL", "LOAD_DEREF")
_names_at = {}  # (code, offset) -> the names stored there, () for none


def _targets(instructions, n):
    """The names of the next n targets of an assignment, or None when one
    of them is not a plain name or attribute."""
    out = []
    while len(out) < n:
        ins = next(instructions, None)
        if ins is None:
            return None
        op = ins.opname
        if op in _STORES:
            out.append(ins.argval)
        elif op == "STORE_FAST_STORE_FAST":
            out.extend(ins.argval)
        elif op in _LOADS:
            store = next(instructions, None)
            if store is None or store.opname != "STORE_ATTR":
                return None
            out.append("%s.%s" % (ins.argval, store.argval))
        else:
            return None
    return out[:n]


def _assigned(frame, n=1):
    """The n names the program's frame assigns the call it is in to: one
    for most objects, two for the ends of a pipe; () when it assigns none
    (an object made inside a list, or passed on)."""
    if frame is None:
        return ()
    key = (frame.f_code, frame.f_lasti)
    names = _names_at.get(key)
    if names is None:
        names = ()
        try:
            import dis
            import itertools
            after = (i for i in dis.get_instructions(frame.f_code) if i.offset > frame.f_lasti)
            first = next(after, None)
            if first is not None and first.opname == "UNPACK_SEQUENCE":
                if first.argval == n:
                    names = tuple(_targets(after, n) or ())
            elif first is not None and n == 1:
                names = tuple(_targets(itertools.chain((first,), after), 1) or ())
        except Exception:
            names = ()
        if len(_names_at) < _MAX_KEYS:
            _names_at[key] = names
    return names


_news = [0]  # creations this process reported


def _created(kind, key, frame, n=1):
    """Reports that the program created the object of key, of a kind the
    playground knows (queue, pipe, lock, value, array, shm), with the name
    it gives it (a pipe's: the names of its two ends). A key can be used
    again once its object is gone (the inode of a closed pipe, a freed
    place in the shared heap): from here on it is this object's. A process
    reports at most as many creations as the playground remembers objects."""
    if _news[0] >= _MAX_KEYS:
        return
    _news[0] += 1
    _emit("ipc.new", key, object=kind, summary="/".join(_assigned(frame, n))[:_SUMMARY])


def _ino(fd):
    return os.fstat(fd).st_ino


_pid = [os.getpid()]

# Each process reports at most this many events; then it stops, after one
# ipc.truncated report, and its objects behave as if not traced.
_BUDGET = int(os.environ.get("PLAYGROUND_IPC_BUDGET", "10000") or 0)
_left = [_BUDGET]


def _spend():
    """True while the process may report one more event."""
    n = _left[0]
    if n <= 0:
        return False
    _left[0] = n - 1
    if n == 1:
        _emit("ipc.truncated", "p%d" % _pid[0], other=str(_BUDGET), urgent=True)
    return True


# Each object gets at most this many of a process's events (a lock's
# releases are not counted: each reported acquire has its release), so that
# a hot loop on one object leaves the budget to the others; past it, one
# ipc.truncated report names the object.
_PER_OBJECT = int(os.environ.get("PLAYGROUND_IPC_OBJECT_BUDGET", "2000") or 0)
_per_object = {}  # object key -> events of this process reported


def _share(key, kind, cls):
    """True while the object of key may report one more event of kind
    (the type of event; cls is the object's class, as its events say)."""
    n = _per_object.get(key, 0)
    if n >= _PER_OBJECT:
        if n == _PER_OBJECT:
            _per_object[key] = n + 1
            _emit("ipc.truncated", key, object=cls, msg=kind, other=str(_PER_OBJECT), urgent=True)
        return False
    if n or len(_per_object) < _MAX_KEYS:
        _per_object[key] = n + 1
    return True


def _forked():
    _pid[0] = os.getpid()
    _count[0] = _pid[0] << 32
    _left[0] = _BUDGET
    _waits_left[0] = _WAIT_BUDGET
    _waiting_threads.clear()
    _per_object.clear()
    _held.clear()
    _news[0] = 0
    _pushed[0] = 0


# The id of a queue item: the putter's pid in the high bits, a count below.
_count[0] = _pid[0] << 32
os.register_at_fork(after_in_child=_forked)


def _stand_in(wrapper, func):
    """Makes a module function's replacement pass for it: its name, module
    and doc (pickle finds a function by its module and name)."""
    for attr in ("__name__", "__qualname__", "__module__", "__doc__"):
        setattr(wrapper, attr, getattr(func, attr))


def _ms(t0):
    return (_now() - t0) / 1e6


# --- waits --------------------------------------------------------------------
#
# A call that may block (a get from an empty queue, a recv from a silent
# pipe, an acquire of a held lock, a join, an Event's wait ...) first waits
# for at most _WAIT_AFTER; still blocked, it reports wait.begin, blocks for
# the rest of its time, and reports wait.end with the time since the call.
# A process reports at most _WAIT_BUDGET waits; each begun wait ends.

_WAIT_AFTER = 0.001  # seconds
_FLUSH_AFTER = 0.1  # seconds: how long a process's end may wait for its feeders unreported
_WAIT_BUDGET = int(os.environ.get("PLAYGROUND_WAIT_BUDGET", "2000") or 0)
_waits_left = [_WAIT_BUDGET]


def _rest(timeout, t0):
    """What is left of a timeout (None: none) since the call began at t0."""
    if timeout is None:
        return None
    return max(0.0, timeout - (_now() - t0) / 1e9)


def _may_wait(timeout):
    """Whether a blocking call with this timeout may be a wait worth
    reporting."""
    return timeout is None or timeout > _WAIT_AFTER


# The threads of this process that are in a reported wait, by ident: the
# report of a stack says which of the program's threads wait (a process
# with a thread that does not may still wake the others).
_waiting_threads = {}


def _wait_begin(key, cls, op, timeout=None, info=""):
    """Reports that the process now blocks on the object of key (of class
    cls, as its events say) in op; false when it is not reported. A wait
    with a timeout says so ("t"): it ends by itself."""
    if not key or _waits_left[0] <= 0:
        return False
    _waits_left[0] -= 1
    tid = _get_ident()
    _waiting_threads[tid] = _waiting_threads.get(tid, 0) + 1
    _emit("wait.begin", key, object=cls, msg=op, summary=info,
          other="" if timeout is None else "t", urgent=True)
    return True


def _wait_end(key, cls, op, t0):
    tid = _get_ident()
    n = _waiting_threads.get(tid, 0)
    if n > 1:
        _waiting_threads[tid] = n - 1
    else:
        _waiting_threads.pop(tid, None)
    _emit("wait.end", key, object=cls, msg=op, waited_ms=_ms(t0))


def _misuse(pattern):
    """Reports a use of multiprocessing that is about to fail or hang (a
    pattern of the playground's diagnoses), with the program's frames."""
    _emit("misuse", pattern, summary=_hook._playground_frames(sys._getframe(2)), urgent=True)


# --- queues -----------------------------------------------------------------

def _queue_key(q):
    key = q.__dict__.get("_playground")
    if key is None:
        try:
            key = "q%d" % _ino(q._reader.fileno())
        except Exception:
            key = ""
        if key not in _keys:
            key = ""
        q._playground = key
    return key


def _wrap_put(cls):
    put = cls.__dict__["put"]
    kind = cls.__name__

    def traced_put(self, obj, block=True, timeout=None):
        key = self.__dict__.get("_playground")
        if key is None:
            key = _queue_key(self)
        n = _left[0]
        if not key or self._closed or not _share(key, "queue.put", kind) or n <= 1 and not _spend():
            return put(self, obj, block, timeout)
        if n > 1:
            _left[0] = n - 1
        if block and self._sem._semlock._is_zero() and _may_wait(timeout):
            timeout = wait_for_room(self, key, kind, timeout)
        if _blocks:
            _flush_blocks()
        msg = _count[0] = _count[0] + 1
        # The hot path of a queue-heavy program, written out. The report waits
        # in the buffer; the feeder thread sends it before the item.
        now = _now()
        small = type(obj) is int and -_BIG < obj < _BIG
        line = "\x01queue.put\t%s\t%s\t%d\t%s\t%d\t-1\t-1\t\t\t\t\t%d" % (
            key, kind, msg, repr(obj) if small else _summary(obj),
            _getsizeof(obj) if small else _size(obj), now)
        _buf.append(line)
        _pushed[0] += 1
        if len(_buf) >= _BATCH or now - _last[0] > _ALONE_NS:
            _flush()
        _last[0] = now
        marks = self._playground_marks
        marks.append(_pushed[0])
        try:
            return put(self, (_MARK, msg, obj), block, timeout)
        except BaseException:
            _unput(line, marks)
            raise

    def _unput(line, marks):
        # Nothing was put (a full queue's timeout): its report goes too,
        # unless it has left already.
        marks.pop()
        if _buf and _buf[-1] is line:
            _buf.pop()
            _pushed[0] -= 1

    def wait_for_room(self, key, kind, timeout):
        """A put to a full queue waits for room before it is reported, and
        what is left of its timeout; queue.Full if none came in time."""
        t0 = _now()
        if self._sem.acquire(True, _WAIT_AFTER):
            self._sem.release()
            return _rest(timeout, t0)
        began = _wait_begin(key, kind, "put", timeout)
        try:
            if not self._sem.acquire(True, _rest(timeout, t0)):
                import queue
                raise queue.Full
            self._sem.release()
        finally:
            if began:
                _wait_end(key, kind, "put", t0)
        return _rest(timeout, t0)

    cls.put = traced_put


def _patch_queues(m):
    Queue = m.Queue
    init, get, reset, start_thread = Queue.__init__, Queue.get, Queue._reset, Queue._start_thread

    def traced_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._playground = ""
        frame = _program_frame(self, ("multiprocessing.queues", "multiprocessing.context"))
        if frame is not None:
            key = "q%d" % _ino(self._reader.fileno())
            _register(key)
            self._playground = key
            _created("queue", key, frame)

    def traced_reset(self, *args, **kwargs):
        reset(self, *args, **kwargs)
        # For each item in the feeder's buffer, in order: how many reports
        # this process had buffered when it was put.
        self._playground_marks = collections.deque()

    def traced_start_thread(self):
        marks, send_bytes = self._playground_marks, self._send_bytes
        on_error = self._on_queue_feeder_error
        own = "_on_queue_feeder_error" in self.__dict__

        def send_after_report(b):
            if marks and marks.popleft() > _sent[0]:
                _flush()
            return send_bytes(b)

        def feeder_error(e, obj):
            # An item that could not be sent: the queue's own hook sees the
            # item the program put, and its mark is done with.
            if type(obj) is tuple and len(obj) == 3 and obj[0] == _MARK:
                obj = obj[2]
                if marks:
                    marks.popleft()
            return on_error(e, obj)

        self._send_bytes = send_after_report
        self._on_queue_feeder_error = feeder_error
        try:
            return start_thread(self)
        finally:
            if own:
                self._on_queue_feeder_error = on_error
            else:
                del self._on_queue_feeder_error
            _watch_exit_flush(self)

    def _watch_exit_flush(self):
        # A process that ends waits for its queues' feeders to send what it
        # put: a put that cannot be taken (a full pipe nobody reads) is a
        # wait of its own, at the process's end.
        finalizer = self.__dict__.get("_jointhread")
        key = self.__dict__.get("_playground")
        if finalizer is None or not key:
            return
        join_feeder = finalizer._callback
        cls = type(self).__name__

        def flush_at_exit(twr):
            thread = twr()
            if thread is not None and thread.is_alive():
                # A feeder still busy after _FLUSH_AFTER waits for room in
                # the pipe; a shorter flush is the feeder's work, no wait.
                thread.join(_FLUSH_AFTER)
                if thread.is_alive() and _wait_begin(key, cls, "put"):
                    t0 = _now()
                    try:
                        return join_feeder(twr)
                    finally:
                        _wait_end(key, cls, "put", t0)
            return join_feeder(twr)

        finalizer._callback = flush_at_exit

    def traced_get(self, block=True, timeout=None):
        t0 = _now()
        # Empty (nothing put and not yet taken, as the queue's own semaphore
        # counts, without a system call): this get may wait.
        if block and self._sem._semlock._get_value() >= self._maxsize:
            if _buf:
                _flush()
            item = _waiting_get(self, timeout, t0)
        else:
            item = get(self, block, timeout)
        if _blocks:
            _refresh_blocks()
        if type(item) is tuple and len(item) == 3 and item[0] == _MARK:
            _, msg, item = item
            key = self.__dict__.get("_playground")
            if key is None:
                key = _queue_key(self)
            n = _left[0]
            if key and _share(key, "queue.get", type(self).__name__) and (n > 1 or _spend()):
                if n > 1:
                    _left[0] = n - 1
                # The summary and size are its put's (the playground adds them).
                now = _now()
                _buf.append("\x01queue.get\t%s\t%s\t%d\t\t-1\t-1\t%.3f\t\t\t\t\t%d" % (
                    key, type(self).__name__, msg, (now - t0) / 1e6, now))
                _pushed[0] += 1
                if len(_buf) >= _BATCH or now - _last[0] > _ALONE_NS:
                    _flush()
                _last[0] = now
        return item

    def _waiting_get(self, timeout, t0):
        if not _may_wait(timeout):
            return get(self, True, timeout)
        try:
            return get(self, True, _WAIT_AFTER)
        except m.Empty:
            pass
        key = self.__dict__.get("_playground")
        if key is None:
            key = _queue_key(self)
        cls = type(self).__name__
        if not _wait_begin(key, cls, "get", timeout):
            return get(self, True, _rest(timeout, t0))
        try:
            return get(self, True, _rest(timeout, t0))
        finally:
            _wait_end(key, cls, "get", t0)

    Queue.__init__ = traced_init
    Queue._reset = traced_reset
    Queue._start_thread = traced_start_thread
    Queue.get = traced_get
    _wrap_put(Queue)
    _wrap_put(m.JoinableQueue)
    join = m.JoinableQueue.join

    def traced_join(self):
        _before_wait()
        key = self.__dict__.get("_playground")
        if key is None:
            key = _queue_key(self)
        if self._unfinished_tasks._semlock._is_zero() or not _wait_begin(key, "JoinableQueue", "join"):
            return join(self)
        t0 = _now()
        try:
            return join(self)
        finally:
            _wait_end(key, "JoinableQueue", "join", t0)

    m.JoinableQueue.join = traced_join


# --- pipes ------------------------------------------------------------------

def _end_key(c):
    """The key of one end of a pipe: its descriptor's inode, which both ends
    of a one-way pipe share, so those say which end they are."""
    key = "c%d" % _ino(c.fileno())
    if c.readable and c.writable:
        return key
    return key + ("r" if c.readable else "w")


def _conn_key(c):
    key = c.__dict__.get("_playground")
    if key is None:
        try:
            key = _end_key(c)
        except Exception:
            key = ""
        if key not in _keys:
            key = ""
        c._playground = key
    return key


def _patch_connection(m):
    Pipe = m.Pipe
    base = m._ConnectionBase
    send, recv = base.send, base.recv

    def traced_pipe(duplex=True):
        a, b = Pipe(duplex)
        frame = _program_frame(a, ("multiprocessing.connection", "multiprocessing.context"))
        if frame is not None:
            ka, kb = _end_key(a), _end_key(b)
            _register(ka)
            _register(kb)
            a._playground, b._playground = ka, kb
            _created("pipe", ka, frame, 2)
            _emit("pipe.pair", ka, other=kb, urgent=True)
        return a, b

    def traced_send(self, obj):
        if _blocks:
            _flush_blocks()
        key = _conn_key(self)
        if key and _share(key, "pipe.send", "Pipe") and _spend():
            _emit("pipe.send", key, summary=_summary(obj), size=_size(obj), urgent=True)
        elif _buf:
            _flush()
        if not key:
            return send(self, obj)
        # As send does, with a wait reported when the message may not fit
        # in the pipe: the call blocks until the other end reads.
        self._check_closed()
        self._check_writable()
        buf = m._ForkingPickler.dumps(obj)
        if len(buf) + _SEND_SLACK <= _room(self):
            return self._send_bytes(buf)
        t0 = _now()
        began = _wait_begin(key, "Pipe", "send")
        try:
            return self._send_bytes(buf)
        finally:
            if began:
                _wait_end(key, "Pipe", "send", t0)

    def traced_recv(self):
        t0 = _now()
        began = False
        if not self.poll():
            if _buf:
                _flush()
            if not self.poll(_WAIT_AFTER):
                began = _wait_begin(_conn_key(self), "Pipe", "recv")
        try:
            obj = recv(self)
        finally:
            if began:
                _wait_end(_conn_key(self), "Pipe", "recv", t0)
        if _blocks:
            _refresh_blocks()
        key = _conn_key(self)
        if key and _share(key, "pipe.recv", "Pipe") and _spend():
            _emit("pipe.recv", key, summary=_summary(obj), size=_size(obj), waited_ms=_ms(t0))
        return obj

    _stand_in(traced_pipe, Pipe)
    m.Pipe = traced_pipe
    base.send = traced_send
    base.recv = traced_recv


# What a send may need beyond its message: the length header, and room
# for the kernel's own bookkeeping of a socket's buffer.
_SEND_SLACK = 4096


def _room(conn):
    """How many bytes a write to the connection can take now without
    blocking, as the kernel counts them: a pipe's free space, or a
    socket's unused send buffer. Large when it cannot be told."""
    import fcntl
    import termios
    fd = conn.fileno()
    try:
        size = conn.__dict__.get("_playground_size")
        if size is None:
            if os.path.stat.S_ISFIFO(os.fstat(fd).st_mode):
                size = fcntl.fcntl(fd, 1032)  # F_GETPIPE_SZ
            else:
                import socket
                sock = socket.socket(fileno=fd)
                try:
                    size = -sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
                finally:
                    sock.detach()
            conn._playground_size = size
        if size > 0:  # a pipe: its size less what waits in it
            used = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
            return size - int.from_bytes(used, sys.byteorder, signed=True)
        used = fcntl.ioctl(fd, termios.TIOCOUTQ, b"\0\0\0\0")  # SIOCOUTQ
        return -size - int.from_bytes(used, sys.byteorder, signed=True)
    except (OSError, ValueError, AttributeError):
        return 1 << 62


# --- locks ------------------------------------------------------------------

def _lock_key(lock):
    """A lock's key: its semaphore's name, or for one without (fork unlinks
    it at once) its handle in the process that made it, an address that a
    lock of another process may have as well."""
    sl = lock._semlock
    if sl.name:
        return "l%s" % sl.name
    return "l%d:%s" % (_pid[0], sl.handle)


# The kind of a lock that another object of the program is made of (the
# lock of a Condition, an Event or a Barrier), by key; other locks are
# known by their class.
_kinds = {}


_held = {}  # lock key -> acquires reported and not yet released


def _traced_methods(key, kind, acquire, release):
    def traced_acquire(block=True, timeout=None):
        t0 = _now()
        if block:
            got = acquire(False)
            if not got:
                if _buf:
                    _flush()
                got = _waiting_acquire(timeout, t0)
        else:
            got = acquire(block, timeout)
        if got and _share(key, "lock.acquire", kind) and _spend():
            _held[key] = _held.get(key, 0) + 1
            _emit("lock.acquire", key, object=kind, waited_ms=_ms(t0))
            if _blocks:
                _refresh_blocks()
        return got

    def _waiting_acquire(timeout, t0):
        if not _may_wait(timeout):
            return acquire(True, timeout)
        if acquire(True, _WAIT_AFTER):
            return True
        if not _wait_begin(key, kind, "acquire", timeout):
            return acquire(True, _rest(timeout, t0))
        try:
            return acquire(True, _rest(timeout, t0))
        finally:
            _wait_end(key, kind, "acquire", t0)

    def traced_release():
        if _blocks:
            _flush_blocks()
        # Past the lock's share, only the releases of reported acquires.
        held = _held.get(key, 0)
        if held:
            _held[key] = held - 1
        if (held or _per_object.get(key, 0) < _PER_OBJECT) and _spend():
            _emit("lock.release", key, object=kind, urgent=True)
        elif _buf:
            _flush()
        return release()

    return traced_acquire, traced_release


def _waiting(wait, inner, blocks, within=()):
    """Reports the waits of a Condition, Event or Barrier of the program
    (known by the lock it is made of, inner(self)) that block: blocks(self)
    says whether a wait will. The wait of an object inside another one
    (the Condition inside an Event or a Barrier, of a kind in within) is
    that one's."""
    def traced_wait(self, timeout=None):
        _before_wait()
        lock = inner(self)
        key = lock.__dict__.get("_playground") if hasattr(lock, "__dict__") else None
        if not key or not _may_wait(timeout) or _kinds.get(key) in within or not blocks(self):
            return wait(self, timeout)
        cls = _kinds.get(key) or type(lock).__name__
        t0 = _now()
        info = "%d" % self.parties if cls == "Barrier" else ""
        if not _wait_begin(key, cls, "wait", timeout, info):
            return wait(self, timeout)
        try:
            return wait(self, timeout)
        finally:
            _wait_end(key, cls, "wait", t0)

    traced_wait.__name__ = traced_wait.__qualname__ = "wait"
    return traced_wait


def _trace_inner_lock(cls, inner):
    """Traces the lock that a Condition, Event or Barrier of the program is
    made of, as that object: its acquire and release are the object's. A
    Condition made on a lock of the program's is that lock."""
    init = cls.__init__
    kind = cls.__name__

    def traced_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        frame = _program_frame(self, ("multiprocessing.context",))
        if frame is None:
            return
        lock = inner(self)
        if "_playground" in lock.__dict__:
            return
        key = _lock_key(lock)
        _register(key)
        if len(_kinds) < _MAX_KEYS:
            _kinds[key] = kind
        lock._playground = key
        lock.acquire, lock.release = _traced_methods(key, kind, lock.acquire, lock.release)
        _created("lock", key, frame)

    traced_init.__name__ = traced_init.__qualname__ = "__init__"
    cls.__init__ = traced_init


def _patch_synchronize(m):
    SemLock = m.SemLock
    init, make_methods = SemLock.__init__, SemLock._make_methods

    def traced_make_methods(self):
        make_methods(self)
        key = self.__dict__.get("_playground")
        if key is None:
            # A lock that arrives pickled (spawn, forkserver) has a name; one
            # without (fork unlinks it at once) is known by its handle, an
            # address that a new lock may get once the old one is gone: such
            # a lock is traced only as the object it was created as, which
            # fork children inherit.
            try:
                key = _lock_key(self) if self._semlock.name else ""
            except Exception:
                key = ""
            if key not in _keys:
                key = ""
        if key:
            self._playground = key
            kind = _kinds.get(key) or type(self).__name__
            self.acquire, self.release = _traced_methods(key, kind, self.acquire, self.release)

    def traced_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        frame = _program_frame(self, ("multiprocessing.context",))
        if frame is not None:
            key = _lock_key(self)
            _register(key)
            self._playground = key
            make_methods(self)
            self.acquire, self.release = _traced_methods(key, type(self).__name__, self.acquire, self.release)
            _created("lock", key, frame)

    SemLock.__init__ = traced_init
    SemLock._make_methods = traced_make_methods
    _trace_inner_lock(m.Condition, lambda c: c._lock)
    _trace_inner_lock(m.Event, lambda e: e._cond._lock)
    _trace_inner_lock(m.Barrier, lambda b: b._cond._lock)
    # A Condition's wait always blocks (until a notify or its timeout); an
    # Event's while it is not set; a Barrier's but for its last party.
    m.Condition.wait = _waiting(m.Condition.wait, lambda c: c._lock, lambda c: True, ("Event", "Barrier"))
    m.Event.wait = _waiting(m.Event.wait, lambda e: e._cond._lock, lambda e: not e.is_set())
    m.Barrier.wait = _waiting(m.Barrier.wait, lambda b: b._cond._lock,
                              lambda b: b.n_waiting + 1 < b.parties)
    # `with lock:` goes through the (possibly traced) methods.
    SemLock.__enter__ = lambda self: self.acquire()
    SemLock.__exit__ = lambda self, *exc: self.release()


# --- shared values ----------------------------------------------------------

def _value_key(v):
    key = v.__dict__.get("_playground")
    if key is None:
        try:
            (arena, start, _), _ = v._obj._wrapper._state
            key = "v%d:%d" % (_ino(arena.fd), start)
        except Exception:
            key = ""
        if key not in _keys:
            key = ""
        v._playground = key
    return key


_HOOK_FILE = __file__


def _from_accessor():
    """Whether a lock call comes from a shared value's own accessors (reading
    or writing .value or an item), not from the program taking the lock,
    with get_lock() or with `with value:`."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename == _HOOK_FILE:
        f = f.f_back
    if f is not None and f.f_code.co_name in ("__enter__", "__exit__") and f.f_code.co_filename.endswith("sharedctypes.py"):
        f = f.f_back  # the value used as a context manager: by whom?
    return f is not None and f.f_code.co_filename.endswith("sharedctypes.py")


def _trace_value_lock(lock, key):
    """Reports the lock of a shared value when the program takes it. The lock
    stays the object multiprocessing made (get_lock() returns it, equal and
    identical): only its bound methods are wrapped, as for any traced lock.
    A lock the program made and passed in is reported as itself already."""
    d = getattr(lock, "__dict__", None)
    if d is None or "_playground" in d or "_playground_raw" in d:
        return
    acquire, release = lock.acquire, lock.release
    t_acquire, t_release = _traced_methods(key, "Value lock", acquire, release)

    def value_acquire(block=True, timeout=None):
        if _from_accessor():
            return acquire(block, timeout)
        return t_acquire(block, timeout)

    def value_release():
        if _from_accessor():
            return release()
        return t_release()

    try:
        lock.acquire, lock.release = value_acquire, value_release
        lock._playground_raw = (acquire, release)
    except AttributeError:
        pass


class _Untraced:
    """Holds a shared value's lock as its accessors do, without a report."""

    __slots__ = ("acquire", "release")

    def __init__(self, lock):
        raw = getattr(lock, "__dict__", {}).get("_playground_raw")
        self.acquire, self.release = raw or (lock.acquire, lock.release)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def _patch_sharedctypes(m):
    base = m.SynchronizedBase
    init, get_lock = base.__init__, base.get_lock

    def traced_init(self, obj, lock=None, ctx=None):
        init(self, obj, lock, ctx)
        frame = _program_frame(self, ("multiprocessing.sharedctypes", "multiprocessing.context"))
        if frame is not None:
            try:
                (arena, start, _), _ = obj._wrapper._state
                key = "v%d:%d" % (_ino(arena.fd), start)
            except Exception:
                return
            _register(key)
            self._playground = key
            _created("array" if isinstance(self, m.SynchronizedArray) else "value", key, frame)

    def traced_get_lock(self):
        lock = get_lock(self)
        key = _value_key(self)
        if key:
            _trace_value_lock(lock, "L" + key)
        return lock

    value = m.Synchronized.__dict__["value"]

    def set_value(self, new):
        key = _value_key(self)
        if not key or not _share(key, "shm.write", "Value") or not _spend():
            with _Untraced(self._lock):
                self._obj.value = new
            return
        with _Untraced(self._lock):
            self._obj.value = new
            _emit("shm.write", key, object="Value", summary=_summary(new), urgent=True)

    def set_item(self, i, new):
        key = _value_key(self)
        with _Untraced(self._lock):
            self._obj[i] = new
            if key and _share(key, "shm.write", "Array") and _spend():
                index = i if isinstance(i, int) else (i.start or 0)
                _emit("shm.write", key, object="Array", index=index, summary=_summary(new), urgent=True)

    base.__init__ = traced_init
    base.get_lock = traced_get_lock
    m.Synchronized.value = property(value.fget, set_value)
    m.SynchronizedArray.__setitem__ = set_item


# --- shared memory ----------------------------------------------------------
#
# A write to shared memory cannot be intercepted: writes are found by
# comparing a block with the last copy this process saw. A process reports
# what changed at its points of synchronisation (releasing a lock, putting,
# sending, closing the block, ending), and takes a fresh copy at the points
# where others' writes become visible to it (acquiring, getting, receiving,
# joining), so that a write is reported by the process that made it.

_SNAPSHOT_LIMIT = 1 << 20  # larger blocks are not compared
_blocks = []  # the SharedMemory blocks this process has open
_named_blocks = set()  # the blocks whose name this process has reported


def _report_writes(shm):
    before = shm.__dict__.get("_playground")
    try:
        now = bytes(shm.buf)
    except Exception:
        return
    if before is None or now == before:
        shm._playground = now
        return
    n = min(len(now), len(before))
    first = next((i for i in range(n) if now[i] != before[i]), n)
    last = n - 1
    while last > first and now[last] == before[last]:
        last -= 1
    shm._playground = now
    if _share(shm.name, "shm.write", "SharedMemory") and _spend():
        _emit("shm.write", shm.name, object="SharedMemory", index=first,
              summary=_summary(now[first:last + 1]))


def _flush_blocks():
    seen = set()
    for shm in _blocks:
        if shm.name in seen:
            # Another handle on the same block (a fork child inherits its
            # parent's): already compared.
            shm._playground = bytes(shm.buf)
            continue
        seen.add(shm.name)
        _report_writes(shm)


def _refresh_blocks():
    for shm in _blocks:
        try:
            shm._playground = bytes(shm.buf)
        except Exception:
            pass


def _patch_shared_memory(m):
    cls = m.SharedMemory
    init, close = cls.__init__, cls.close

    def traced_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if self._name not in _named_blocks and len(_named_blocks) < _MAX_KEYS:
            _named_blocks.add(self._name)
            _created("shm", self.name, _program_frame(self, ("multiprocessing.shared_memory",)))
        if self.size <= _SNAPSHOT_LIMIT:
            if not _blocks and os.getpid() == _main_pid:
                import atexit
                atexit.register(_flush_blocks)
            self._playground = bytes(self.buf)
            _blocks.append(self)

    def traced_close(self):
        if self in _blocks:
            _report_writes(self)
            _blocks.remove(self)
            for other in _blocks:
                if other.name == self.name:
                    other._playground = self._playground
        return close(self)

    cls.__init__ = traced_init
    cls.close = traced_close


_main_pid = os.getpid()


def _patch_process(m):
    base = m.BaseProcess
    join, bootstrap = base.join, base._bootstrap

    def traced_join(self, timeout=None):
        _before_wait()
        popen = self._popen
        # multiprocessing's own joins (a pool's of its workers) are not the
        # program's waits, but for the join of its children at the end of a
        # process (util._exit_function), which the program asked for by
        # leaving them running.
        caller = sys._getframe(1).f_globals.get("__name__", "")
        ours = caller.startswith("multiprocessing") and caller != "multiprocessing.util"
        if popen is None or ours or not _may_wait(timeout) or popen.poll() is not None:
            join(self, timeout)
        else:
            t0 = _now()
            join(self, _WAIT_AFTER)
            key = str(self.pid)
            if popen.poll() is None and _wait_begin(key, "Process", "join"):
                try:
                    join(self, _rest(timeout, t0))
                finally:
                    _wait_end(key, "Process", "join", t0)
            else:
                join(self, _rest(timeout, t0))
        if _blocks:
            _refresh_blocks()

    def traced_bootstrap(self, *args, **kwargs):
        try:
            return bootstrap(self, *args, **kwargs)
        finally:
            if _blocks:
                _flush_blocks()
            if _buf:
                _flush()

    start = base.start

    def traced_start(self):
        me = m.current_process()
        if me._config.get("daemon"):
            _misuse("daemon-with-children")
        elif getattr(me, "_inheriting", False):
            _misuse("main-guard-missing")
        return start(self)

    traced_start.__name__ = traced_start.__qualname__ = "start"
    base.join = traced_join
    base._bootstrap = traced_bootstrap
    base.start = traced_start


# --- pools ------------------------------------------------------------------

def _function_name(m, func, args):
    if func in (m.mapstar, m.starmapstar) and args and isinstance(args[0], tuple):
        func = args[0][0]
    return getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or type(func).__name__


class _TaskQueue:
    """A pool's queue of tasks, announcing each task as it is handed on."""

    def __init__(self, queue, announce):
        self._queue = queue
        self._announce = announce

    def _announced(self, tasks):
        for task in tasks:
            self._announce(task)
            yield task

    def put(self, item, *args, **kwargs):
        if type(item) is tuple and len(item) == 2:
            tasks, set_length = item
            if isinstance(tasks, list):
                for task in tasks:
                    self._announce(task)
            else:
                item = (self._announced(tasks), set_length)
        return self._queue.put(item, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._queue, name)


class _Getting:
    """A queue whose get is another function; all else is the queue's."""
    __slots__ = ("_queue", "get")

    def __init__(self, queue, get):
        self._queue = queue
        self.get = get

    def __getattr__(self, name):
        return getattr(self._queue, name)


def _patch_pool(m):
    Pool = m.Pool
    init = Pool.__init__
    worker = m.worker

    def traced_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        pool_key = "P%d.%d" % (os.getpid(), id(self))

        def announce(task):
            job, i, func, args, _ = task
            if not _spend():
                return
            _emit("pool.submit", pool_key, task="%d:%d.%d" % (os.getpid(), job, i),
                  function=_function_name(m, func, args), urgent=True)

        self._taskqueue = _TaskQueue(self._taskqueue, announce)
        self._playground = pool_key

    def traced_worker(inqueue, outqueue, *args, **kwargs):
        get = inqueue.get
        if not hasattr(inqueue, "_reader"):
            # A ThreadPool's worker: a thread of the pool's own process.
            parent = os.getpid()
        else:
            import multiprocessing
            parent = multiprocessing.parent_process()
            parent = parent.pid if parent is not None else os.getppid()

        def traced_get():
            task = get()
            if type(task) is tuple and len(task) == 5 and task[2] is not m._helper_reraises_exception:
                job, i, func, fargs, fkwargs = task
                key = "%d:%d.%d" % (parent, job, i)
                name = _function_name(m, func, fargs)

                def run(*a, **k):
                    traced = _spend()
                    if traced:
                        _emit("pool.start", key, function=name, urgent=True)
                    try:
                        result = func(*a, **k)
                    except BaseException as e:
                        if traced:
                            _emit("pool.done", key, function=name, error=_summary(e), urgent=True)
                        raise
                    if traced:
                        _emit("pool.done", key, function=name, summary=_summary(result), urgent=True)
                    return result

                return (job, i, run, fargs, fkwargs)
            return task

        try:
            inqueue.get = traced_get
        except AttributeError:
            # queue.SimpleQueue (a ThreadPool's) takes no attribute: the
            # worker gets one that reads like it.
            inqueue = _Getting(inqueue, traced_get)
        return worker(inqueue, outqueue, *args, **kwargs)

    wait = m.ApplyResult.wait

    def traced_result_wait(self, timeout=None):
        if self.ready() or not _may_wait(timeout):
            return wait(self, timeout)
        t0 = _now()
        _before_wait()
        wait(self, _WAIT_AFTER)
        pool = self._pool
        key = getattr(pool, "__dict__", {}).get("_playground", "")
        info = "%s %d:%d" % (getattr(pool, "_state", "") if pool is not None else "TERMINATE", os.getpid(), self._job)
        if self.ready() or not _wait_begin(key, "Pool", "result", timeout, info):
            return wait(self, _rest(timeout, t0))
        try:
            return wait(self, _rest(timeout, t0))
        finally:
            _wait_end(key, "Pool", "result", t0)

    traced_result_wait.__name__ = traced_result_wait.__qualname__ = "wait"
    m.ApplyResult.wait = traced_result_wait
    pool_join = Pool.join

    def traced_pool_join(self):
        if getattr(self, "_state", None) == m.RUN and "_playground" in self.__dict__:
            _misuse("pool-not-closed")
        return pool_join(self)

    traced_pool_join.__name__ = traced_pool_join.__qualname__ = "join"
    Pool.join = traced_pool_join
    traced_worker.__qualname__ = traced_worker.__name__ = "worker"
    traced_worker.__module__ = "multiprocessing.pool"
    Pool.__init__ = traced_init
    m.worker = traced_worker


# --- spawn: the keys travel with the preparation data --------------------------

def _patch_spawn(m):
    get_data, prepare = m.get_preparation_data, m.prepare

    def traced_get_data(name):
        d = get_data(name)
        d["playground_keys"] = sorted(_keys)
        d["playground_kinds"] = dict(_kinds)
        return d

    def traced_prepare(data):
        keys = data.pop("playground_keys", ())
        for key in keys:
            _register(key)
        kinds = data.pop("playground_kinds", None)
        if type(kinds) is dict:
            _kinds.update(list(kinds.items())[:_MAX_KEYS])
        return prepare(data)

    _stand_in(traced_get_data, get_data)
    _stand_in(traced_prepare, prepare)
    m.get_preparation_data = traced_get_data
    m.prepare = traced_prepare


PATCHES = {
    "multiprocessing.queues": _patch_queues,
    "multiprocessing.connection": _patch_connection,
    "multiprocessing.synchronize": _patch_synchronize,
    "multiprocessing.sharedctypes": _patch_sharedctypes,
    "multiprocessing.shared_memory": _patch_shared_memory,
    "multiprocessing.pool": _patch_pool,
    "multiprocessing.spawn": _patch_spawn,
    "multiprocessing.process": _patch_process,
}
