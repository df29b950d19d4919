// Tests of errorLines: `node --test` in static/src (no dependencies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { errorLines } from "./errorlines.js";

test("the deepest frame of the program's file in a traceback", () => {
  const tb = `Traceback (most recent call last):
  File "/home/learner/main.py", line 9, in <module>
    main()
  File "/home/learner/main.py", line 5, in main
    print(y)
          ^
NameError: name 'y' is not defined
`;
  assert.deepEqual(errorLines(tb, "main.py"), [5]);
});

test("a child's traceback and the main process's, each its line", () => {
  const child = `Process Process-1:
Traceback (most recent call last):
  File "/usr/lib/python3.11/multiprocessing/process.py", line 314, in _bootstrap
    self.run()
  File "/home/learner/main.py", line 3, in work
    1 / 0
ZeroDivisionError: division by zero
`;
  const main = `Traceback (most recent call last):
  File "/home/learner/main.py", line 8, in <module>
    q.get(timeout=1)
_queue.Empty
`;
  assert.deepEqual(errorLines(child + main, "main.py"), [3, 8]);
});

test("a syntax error names its line without a traceback header", () => {
  const se = `  File "/home/learner/main.py", line 2
    print(1
         ^
SyntaxError: '(' was never closed
`;
  assert.deepEqual(errorLines(se, "main.py"), [2]);
});

test("frames of other files, and no traceback at all, mark nothing", () => {
  assert.deepEqual(errorLines(`  File "/usr/lib/python3.11/x.py", line 4, in f\n`, "main.py"), []);
  assert.deepEqual(errorLines("hello\n", "main.py"), []);
  assert.deepEqual(errorLines(`  File "/home/learner/notmain.py", line 4\n`, "main.py"), []);
});
