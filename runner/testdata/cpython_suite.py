"""Runs tests of CPython's own multiprocessing suite and says how each ended.

    python3 cpython_suite.py [--timeout SECONDS] METHOD NAME...

METHOD is fork, forkserver or spawn; each NAME is a group of GROUPS (Queue,
Pool ...), a test class of test.test_multiprocessing_METHOD or one of its
test ids (WithProcessesTestQueue.test_get). Without arguments they are read
as one line of standard input, so that the same file runs as a playground
program.

The tests run in a worker process started afresh (the same file with
--worker) whenever one hangs or dies, so that every other test still gets
its result. The worker's output and its tests' go to this process's
standard output and error, as a program's would; the results come back on
a pipe and are printed one JSON object a line, flushed, as they arrive:

    @cpython-suite {"id": ..., "status": "pass", "reason": "", "trace": ""}

status is pass, fail, error or skip; reason is a skip's reason or the key
line of the error; trace is an error's traceback. Fixture errors
(setUpClass, tearDownModule ...) are results of their own. The last line
is @cpython-suite {"done": true}.
"""

import faulthandler
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
import unittest

MARK = "@cpython-suite "

# The groups of the playground's subjects: the processes variant of each
# mixin of test._test_multiprocessing; Manager has the classes that test a
# manager itself; SimpleQueue has its own class.
GROUPS = {
    "Process": ["WithProcessesTestProcess"],
    "SubclassingProcess": ["WithProcessesTestSubclassingProcess"],
    "Queue": ["WithProcessesTestQueue"],
    "Lock": ["WithProcessesTestLock"],
    "Semaphore": ["WithProcessesTestSemaphore"],
    "Condition": ["WithProcessesTestCondition"],
    "Event": ["WithProcessesTestEvent"],
    "Barrier": ["WithProcessesTestBarrier"],
    "Value": ["WithProcessesTestValue"],
    "Array": ["WithProcessesTestArray"],
    "Pool": ["WithProcessesTestPool"],
    "Connection": ["WithProcessesTestConnection"],
    "SharedMemory": ["WithProcessesTestSharedMemory"],
    "Manager": ["WithProcessesTestManagerRestart", "WithManagerTestMyManager",
                "WithManagerTestRemoteManager", "WithManagerTestContainers",
                "TestSyncManagerTypes"],
    "Poll": ["WithProcessesTestPoll"],
    "Heap": ["WithProcessesTestHeap"],
    "PoolWorkerErrors": ["WithProcessesTestPoolWorkerErrors"],
    "SharedCTypes": ["WithProcessesTestSharedCTypes"],
    "Finalize": ["WithProcessesTestFinalize"],
    "SimpleQueue": ["TestSimpleQueue"],
}

# Where the worker's faulthandler writes the stacks of a test that hangs.
HANG_FILE = "cpython_suite_hang.txt"


def module_name(method):
    return "test.test_multiprocessing_" + method


def test_ids(method, names):
    """The test ids NAMES stand for, in order, without repeats."""
    loader = unittest.TestLoader()
    module = __import__(module_name(method), fromlist=["_"])
    ids = []
    for name in names:
        for cls in GROUPS.get(name, [name]):
            for test in iter_tests(loader.loadTestsFromName(cls, module)):
                if test.id() not in ids:
                    ids.append(test.id())
    return ids


def iter_tests(suite):
    if isinstance(suite, unittest.TestSuite):
        for t in suite:
            yield from iter_tests(t)
    else:
        yield suite


def key_line(err):
    """The last line of an exception's text: its type and message."""
    lines = traceback.format_exception_only(err[0], err[1])
    return lines[-1].strip() if lines else repr(err[1])


class LineResult(unittest.TestResult):
    """Writes a JSON line when a test starts and one when it ends."""

    def __init__(self, out, timeout):
        super().__init__()
        self.out, self.timeout, self.outcome = out, timeout, None

    def write(self, obj):
        self.out.write(json.dumps(obj) + "\n")
        self.out.flush()

    def startTest(self, test):
        super().startTest(test)
        self.outcome = None
        self.write({"start": test.id()})
        self.started = time.monotonic()
        self.hang = open(HANG_FILE, "w")
        faulthandler.dump_traceback_later(self.timeout, exit=True, file=self.hang)

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        self.hang.close()
        status, reason, trace = self.outcome or ("error", "no outcome reported", "")
        secs = round(time.monotonic() - self.started, 2)
        self.write({"id": test.id(), "status": status, "reason": reason, "trace": trace, "secs": secs})
        super().stopTest(test)

    def set(self, status, reason="", err=None, test=None):
        trace = self._exc_info_to_string(err, test) if err else ""
        if self.outcome and self.outcome[0] in ("fail", "error"):
            return  # the first failure of a test (or of its subtests) counts
        self.outcome = (status, reason, trace[-4000:])

    def addSuccess(self, test):
        self.set("pass")

    def addSkip(self, test, reason):
        if not isinstance(test, unittest.TestCase):
            self.write({"id": test.id(), "status": "skip", "reason": reason, "trace": ""})
            return
        self.set("skip", reason)

    def addExpectedFailure(self, test, err):
        self.set("pass", "expected failure")

    def addUnexpectedSuccess(self, test):
        self.set("fail", "unexpected success")

    def addFailure(self, test, err):
        self.fixture(test, "fail", err) or self.set("fail", key_line(err), err, test)

    def addError(self, test, err):
        self.fixture(test, "error", err) or self.set("error", key_line(err), err, test)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self.set("fail" if failed else "error", "%s: %s" % (subtest._subDescription(), key_line(err)), err, test)

    def fixture(self, test, status, err):
        """Reports an error of a class's or module's fixture as a result of
        its own; true when test is such a fixture."""
        if isinstance(test, unittest.TestCase):
            return False
        trace = self._exc_info_to_string(err, test) if err else ""
        self.write({"id": test.id(), "status": status, "reason": key_line(err), "trace": trace[-4000:]})
        return True


def worker(method, fd, timeout, ids):
    """Runs the tests ids in order, their results on descriptor fd."""
    out = os.fdopen(fd, "w")
    module = __import__(module_name(method), fromlist=["_"])
    suite = unittest.TestSuite(unittest.TestLoader().loadTestsFromNames(ids, module))
    suite.run(LineResult(out, timeout))
    out.close()


class Supervisor:
    """Runs a worker over the tests still to run until none is left."""

    def __init__(self, method, timeout, ids):
        self.method, self.timeout, self.todo = method, timeout, list(ids)
        self.fixture = None  # the last result of a fixture: why tests did not run

    def say(self, obj):
        sys.stdout.write(MARK + json.dumps(obj) + "\n")
        sys.stdout.flush()

    def run(self):
        while self.todo:
            self.run_worker()
        self.say({"done": True})

    def run_worker(self):
        r, w = os.pipe()
        short = [i.rsplit(".", 2)[-2] + "." + i.rsplit(".", 1)[-1] for i in self.todo]
        proc = subprocess.Popen(
            [sys.executable, sys.argv[0], "--worker", self.method, str(w), str(self.timeout)] + short,
            stdin=subprocess.DEVNULL, pass_fds=[w], start_new_session=True)
        os.close(w)
        try:
            current = self.follow(r, proc)
        except BaseException:
            kill_group(proc)
            raise
        code = self.end_worker(proc)
        if current is not None:
            self.result({"id": current, "status": "error", "reason": self.death(code), "trace": self.hang_stacks()})
        elif self.todo:
            status, reason = "error", "the worker ended (%s)" % exit_text(code)
            if self.fixture:
                status, reason = self.fixture["status"], "%s: %s" % (self.fixture["id"], self.fixture["reason"])
            for test_id in list(self.todo):
                self.result({"id": test_id, "status": status, "reason": "not run: " + reason, "trace": ""})

    def follow(self, fd, proc):
        """Passes on the worker's results until it ends or a test outlives
        the backstop; returns the test it left unfinished, if any."""
        current, started, buf = None, time.monotonic(), b""
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while True:
                ready, _, _ = select.select([pipe], [], [], 5)
                if not ready:
                    # A process the worker forked may hold the pipe open
                    # after the worker's end. The worker's faulthandler ends
                    # a hung test; this is the backstop.
                    if proc.poll() is not None or current and time.monotonic() - started > self.timeout + 30:
                        return current
                    continue
                chunk = pipe.read(65536)
                if not chunk:
                    return current
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    msg = json.loads(line)
                    if "start" in msg:
                        current, started = msg["start"], time.monotonic()
                        continue
                    self.result(msg)
                    if msg["id"] == current:
                        current = None

    def result(self, msg):
        if msg["id"] in self.todo:
            self.todo.remove(msg["id"])
        else:
            self.fixture = msg
        self.say(msg)

    def end_worker(self, proc):
        """Ends the worker and every process it left behind."""
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        kill_group(proc)
        return proc.wait() if code is None else code

    def death(self, code):
        if self.hang_stacks():
            return "timed out after %g s" % self.timeout
        if code is None or code == 0:
            return "the worker stopped answering"
        return "the worker died during the test (%s)" % exit_text(code)

    def hang_stacks(self):
        try:
            with open(HANG_FILE) as f:
                return f.read()[-4000:]
        except OSError:
            return ""


def kill_group(proc):
    """Kills the worker's session: the worker and what it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def exit_text(code):
    if code is not None and code < 0:
        return "signal %d" % -code
    return "exit code %s" % code


def main(argv):
    if argv[:1] == ["--worker"]:
        method, fd, timeout = argv[1], int(argv[2]), float(argv[3])
        return worker(method, fd, timeout, argv[4:])
    if not argv:
        argv = sys.stdin.readline().split()
    timeout = 120.0
    if argv[:1] == ["--timeout"]:
        timeout, argv = float(argv[1]), argv[2:]
    method, names = argv[0], argv[1:]
    # Stopped from outside, it ends its worker first (see run_worker).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    Supervisor(method, timeout, test_ids(method, names)).run()


if __name__ == "__main__":
    main(sys.argv[1:])
