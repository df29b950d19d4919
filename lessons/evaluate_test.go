package lessons

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"mpplayground/event"
)

// builder makes event streams by hand, numbering them as the runner does.
type builder struct{ events []event.Event }

func stream() *builder {
	b := &builder{}
	return b.add(map[string]any{"type": "run.start", "run_id": "r1"})
}

func (b *builder) add(e map[string]any) *builder {
	e["seq"] = len(b.events) + 1
	e["t"] = float64(len(b.events))
	raw, _ := json.Marshal(e)
	var ev event.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		panic(err)
	}
	b.events = append(b.events, ev)
	return b
}

func (b *builder) proc(pid int, name string) *builder {
	return b.add(map[string]any{"type": "proc.start", "pid": pid, "ppid": 1, "name": name, "via": "fork"})
}

func (b *builder) procVia(pid int, name, via string) *builder {
	return b.add(map[string]any{"type": "proc.start", "pid": pid, "ppid": 1, "name": name, "via": via})
}

func (b *builder) out(pid int, stream, text string) *builder {
	return b.add(map[string]any{"type": "output", "pid": pid, "stream": stream, "text": text})
}

func (b *builder) exit(pid, code int) *builder {
	return b.add(map[string]any{"type": "proc.exit", "pid": pid, "code": code})
}

func (b *builder) killed(pid int, signal string) *builder {
	return b.add(map[string]any{"type": "proc.exit", "pid": pid, "signal": signal})
}

func (b *builder) end(status string, code int) *builder {
	return b.add(map[string]any{"type": "run.end", "status": status, "exit_code": code, "duration_ms": 420.0, "message": ""})
}

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }

// sample is a run of a main process with three workers: two exit 0 and
// write interleaved, partly split lines; one is ended by SIGTERM.
func sample() []event.Event {
	return stream().
		proc(1, "MainProcess").
		out(1, "stdout", "main: starting\n").
		proc(2, "Worker-1").
		proc(3, "Worker-2").
		out(2, "stdout", "worker 1 ").
		out(3, "stdout", "worker 2 done\n").
		out(2, "stdout", "done\n").
		proc(4, "sleeper").
		out(3, "stderr", "warning: slow\n").
		exit(2, 0).
		exit(3, 0).
		killed(4, "SIGTERM").
		out(1, "stdout", "counter = 10000\nratio: 0.5\n").
		out(1, "stdout", "main: finished").
		exit(1, 0).
		end("ok", 0).events
}

func TestEvaluate(t *testing.T) {
	events := sample()
	cases := []struct {
		name   string
		check  Check
		pass   bool
		detail string
	}{
		{"ProcessesCountsAll", Check{Kind: KindProcesses, Equals: f(4)}, true, "found 4 processes"},
		{"ProcessesByName", Check{Kind: KindProcesses, Name: "^Worker-", Equals: f(3)}, false, "found 2 processes, wanted exactly 3"},
		{"ProcessesByVia", Check{Kind: KindProcesses, Via: "spawn", Min: f(1)}, false, "found 0 processes, wanted at least 1"},
		{"MaxAlive", Check{Kind: KindMaxAlive, Min: f(4)}, true, "at most 4 were alive at once"},
		{"MaxAliveByName", Check{Kind: KindMaxAlive, Name: "^Worker-", Max: f(1)}, false, "at most 2 were alive at once, wanted at most 1"},
		{"ExitCode", Check{Kind: KindExitCode, Code: i(0)}, true, "exit code 0"},
		{"ExitCodeWrong", Check{Kind: KindExitCode, Code: i(1)}, false, "exit code 0, wanted 1"},
		{"EveryExitCode", Check{Kind: KindEveryExit, Name: "^Worker-", Code: i(0)}, true, "all 2 ended that way"},
		{"EveryExitCodeFails", Check{Kind: KindEveryExit, Code: i(0)}, false, "sleeper (pid 4) was ended by SIGTERM"},
		{"EveryExitSignal", Check{Kind: KindEveryExit, Name: "^sleeper$", Signal: "SIGTERM"}, true, "the one such process ended that way"},
		{"EveryExitSignalFails", Check{Kind: KindEveryExit, Name: "^Worker-1$", Signal: "SIGTERM"}, false, "Worker-1 (pid 2) exited with code 0"},
		{"EveryExitNoMatch", Check{Kind: KindEveryExit, Name: "^nobody$", Code: i(0)}, false, "no such process ran"},
		{"Status", Check{Kind: KindStatus, Status: "ok"}, true, `status "ok"`},
		{"StatusWrong", Check{Kind: KindStatus, Status: "timeout"}, false, `status "ok", wanted "timeout"`},
		{"Duration", Check{Kind: KindDuration, Max: f(1000)}, true, "took 420 ms"},
		{"DurationTooLong", Check{Kind: KindDuration, Max: f(100)}, false, "took 420 ms, wanted at most 100 ms"},
		{"ContainsAcrossChunks", Check{Kind: KindOutputContains, Text: "worker 1 done"}, true, "found"},
		{"ContainsMissing", Check{Kind: KindOutputContains, Text: "worker 3 done"}, false, `"worker 3 done" does not appear`},
		{"ContainsOnStream", Check{Kind: KindOutputContains, Stream: "stdout", Text: "warning"}, false, "does not appear"},
		{"ContainsByName", Check{Kind: KindOutputContains, Name: "^Worker-2$", Text: "warning: slow"}, true, "found"},
		{"Lacks", Check{Kind: KindOutputLacks, Text: "Traceback"}, true, "does not appear"},
		{"LacksFails", Check{Kind: KindOutputLacks, Text: "done"}, false, `"done" appears 2 times`},
		{"Matches", Check{Kind: KindOutputMatches, Pattern: `^counter = \d+$`}, true, `matched "counter = 10000"`},
		{"MatchesFails", Check{Kind: KindOutputMatches, Pattern: `^worker 1 done$`, Name: "^Worker-2$"}, false, "nothing matches"},
		{"LinesAll", Check{Kind: KindLines, Equals: f(7)}, true, "found 7 lines"},
		{"LinesPattern", Check{Kind: KindLines, Pattern: `^worker \d done$`, Equals: f(2)}, true, "found 2 lines"},
		{"LinesPatternFails", Check{Kind: KindLines, Pattern: `^worker \d done$`, Name: "^Worker-1$", Min: f(2)}, false, "found 1 line, wanted at least 2"},
		{"LinesStream", Check{Kind: KindLines, Stream: "stderr", Equals: f(1)}, true, "found 1 line"},
		{"OutputProcesses", Check{Kind: KindOutputProcesses, Pattern: "done", Equals: f(2)}, true, "found 2 processes"},
		{"OutputProcessesFails", Check{Kind: KindOutputProcesses, Min: f(4)}, false, "found 3 processes, wanted at least 4"},
		{"ValueNumber", Check{Kind: KindValue, Key: "counter", Equals: f(10000)}, true, "counter = 10000"},
		{"ValueNumberFails", Check{Kind: KindValue, Key: "counter", Min: f(20000)}, false, "counter = 10000, wanted at least 20000"},
		{"ValueColon", Check{Kind: KindValue, Key: "ratio", Max: f(1)}, true, "ratio = 0.5"},
		{"ValueText", Check{Kind: KindValue, Key: "counter", Value: "10000"}, true, "counter = 10000"},
		{"ValueMissing", Check{Kind: KindValue, Key: "total", Equals: f(1)}, false, `no line prints "total = …"`},
		{"ValueNotANumber", Check{Kind: KindValue, Key: "main", Equals: f(1)}, false, "is not a number"},
		{"Order", Check{Kind: KindOrder, First: "done", Then: "main: finished"}, true, "in that order"},
		{"OrderWrong", Check{Kind: KindOrder, First: "main: finished", Then: "done"}, false, `a "main: finished" comes after "done"`},
		{"OrderMissing", Check{Kind: KindOrder, First: "done", Then: "never"}, false, `"never" does not appear`},
		{"InvalidCheckFails", Check{Kind: "bogus"}, false, "invalid check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Evaluate([]Check{tc.check}, events)
			if len(res) != 1 {
				t.Fatalf("%d results", len(res))
			}
			r := res[0]
			if r.Passed != tc.pass {
				t.Errorf("passed = %v, want %v (%s)", r.Passed, tc.pass, r.Detail["en"])
			}
			if !strings.Contains(r.Detail["en"], tc.detail) {
				t.Errorf("detail %q does not contain %q", r.Detail["en"], tc.detail)
			}
			if r.Detail["zh"] == "" || r.Description["en"] == "" || r.Description["zh"] == "" {
				t.Errorf("missing text: %+v", r)
			}
		})
	}
}

func TestEvaluateUnfinishedRun(t *testing.T) {
	events := stream().proc(1, "MainProcess").out(1, "stdout", "hi\n").events
	res := Evaluate([]Check{
		{Kind: KindExitCode, Code: i(0)},
		{Kind: KindStatus, Status: "ok"},
		{Kind: KindDuration, Max: f(10)},
		{Kind: KindEveryExit, Code: i(0)},
	}, events)
	for _, r := range res {
		if r.Passed {
			t.Errorf("%s passed on a run that never ended", r.Check.Kind)
		}
	}
	if !strings.Contains(res[3].Detail["en"], "was still running") {
		t.Errorf("detail = %q", res[3].Detail["en"])
	}
}

func TestEvaluateSkipsEventsItDoesNotRead(t *testing.T) {
	odd := []event.Event{{Type: "no.such.type", PID: 9, Name: "ghost"}, {Type: event.TypeProcExit, PID: 77}, {Type: event.TypeQueuePut, PID: 1}}
	events := append(odd, sample()...)
	if !Passed(Evaluate([]Check{{Kind: KindProcesses, Equals: f(4)}}, events)) {
		t.Fatal("an event checks do not read broke the evaluation")
	}
}

func TestEvaluateReusedPid(t *testing.T) {
	// pid 2 ends, and a new process gets the same pid.
	events := stream().proc(1, "MainProcess").proc(2, "first").exit(2, 0).
		proc(2, "second").out(2, "stdout", "from second\n").killed(2, "SIGKILL").exit(1, 0).end("ok", 0).events
	res := Evaluate([]Check{
		{Kind: KindEveryExit, Name: "^first$", Code: i(0)},
		{Kind: KindEveryExit, Name: "^second$", Signal: "SIGKILL"},
		{Kind: KindOutputContains, Name: "^second$", Text: "from second"},
		{Kind: KindMaxAlive, Equals: f(2)},
	}, events)
	for _, r := range res {
		if !r.Passed {
			t.Errorf("%s: %s", r.Description["en"], r.Detail["en"])
		}
	}
}

func TestPassedNeedsResults(t *testing.T) {
	if Passed(nil) {
		t.Fatal("no results counted as passed")
	}
}

func TestCheckValidate(t *testing.T) {
	bad := map[string]Check{
		"unknown kind":             {Kind: "nope"},
		"processes needs bounds":   {Kind: KindProcesses},
		"field of another kind":    {Kind: KindExitCode, Code: i(0), Text: "x"},
		"bad regexp":               {Kind: KindLines, Pattern: "(", Min: f(1)},
		"bad via":                  {Kind: KindProcesses, Via: "clone", Min: f(1)},
		"bad stream":               {Kind: KindOutputContains, Stream: "stdin", Text: "x"},
		"equals and min":           {Kind: KindLines, Equals: f(1), Min: f(1)},
		"min over max":             {Kind: KindLines, Min: f(3), Max: f(1)},
		"every_exit needs one":     {Kind: KindEveryExit},
		"every_exit not both":      {Kind: KindEveryExit, Code: i(0), Signal: "SIGTERM"},
		"signal name":              {Kind: KindEveryExit, Signal: "TERM"},
		"bad status":               {Kind: KindStatus, Status: "fine"},
		"contains needs text":      {Kind: KindOutputContains},
		"matches needs pattern":    {Kind: KindOutputMatches},
		"value needs key":          {Kind: KindValue, Equals: f(1)},
		"value needs value or num": {Kind: KindValue, Key: "k"},
		"order needs both":         {Kind: KindOrder, First: "a"},
		"exit_code needs code":     {Kind: KindExitCode},
		"duration takes no name":   {Kind: KindDuration, Name: "x", Max: f(1)},
		"status takes no bounds":   {Kind: KindStatus, Status: "ok", Equals: f(1)},
		"value number and text":    {Kind: KindValue, Key: "k", Value: "v", Equals: f(1)},
	}
	for name, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: %+v was accepted", name, c)
		}
	}
	if err := (Check{Kind: KindValue, Key: "counter", Equals: f(10000)}).Validate(); err != nil {
		t.Errorf("a good check was refused: %v", err)
	}
}

func TestDescribeOverridesDescription(t *testing.T) {
	c := Check{Kind: KindExitCode, Code: i(0), Describe: Text{"en": "the program ends well", "zh": "程序正常结束"}}
	if got := c.Description().In("zh"); got != "程序正常结束" {
		t.Fatalf("description = %q", got)
	}
	if got := (Check{Kind: KindLines, Pattern: "x", Min: f(2)}).Description().In("en"); got != "at least 2 lines of the output match /x/" {
		t.Fatalf("generated description = %q", got)
	}
}

func (b *builder) ipc(pid int, typ string, fields map[string]any) *builder {
	e := map[string]any{"type": typ, "pid": pid}
	for k, v := range fields {
		e[k] = v
	}
	return b.add(e)
}

// ipcSample is a run with a pool of two workers doing three tasks (two at
// the same time), a queue, a pipe, an Event set by the main process after
// it printed "go!", and writes to a shared value.
func ipcSample() []event.Event {
	b := stream().proc(1, "MainProcess").proc(2, "ForkPoolWorker-1").proc(3, "SpawnPoolWorker-2").procVia(4, "runner", "spawn")
	b.ipc(1, "pool.submit", map[string]any{"pool": "pool-1", "task": "task-1", "function": "square"})
	b.ipc(2, "pool.start", map[string]any{"pool": "pool-1", "task": "task-1", "function": "square"})
	b.ipc(3, "pool.start", map[string]any{"pool": "pool-1", "task": "task-2", "function": "square"})
	b.ipc(2, "pool.done", map[string]any{"pool": "pool-1", "task": "task-1", "function": "square", "summary": "[1]"})
	b.ipc(3, "pool.done", map[string]any{"pool": "pool-1", "task": "task-2", "function": "square", "summary": "[4]"})
	b.ipc(2, "pool.start", map[string]any{"pool": "pool-1", "task": "task-3", "function": "cube"})
	b.ipc(2, "pool.done", map[string]any{"pool": "pool-1", "task": "task-3", "function": "cube", "error": "ValueError('x')"})
	b.out(4, "stdout", "runner: on my mark\n")
	b.ipc(4, "lock.acquire", map[string]any{"lock": "event-1", "name": "go", "object": "Event"})
	b.ipc(4, "wait.begin", map[string]any{"object": "event-1", "op": "wait"})
	b.out(1, "stdout", "main: go!\n")
	b.ipc(1, "lock.acquire", map[string]any{"lock": "event-1", "name": "go", "object": "Event"})
	b.ipc(4, "wait.end", map[string]any{"object": "event-1", "op": "wait", "waited_ms": 300.0})
	b.out(4, "stdout", "runner: running\n")
	b.ipc(1, "queue.put", map[string]any{"queue": "queue-1", "name": "q", "object": "Queue", "msg": "msg-1", "summary": "7"})
	b.ipc(4, "queue.get", map[string]any{"queue": "queue-1", "name": "q", "object": "Queue", "msg": "msg-1", "summary": "7"})
	b.ipc(1, "queue.put", map[string]any{"queue": "queue-1", "name": "q", "object": "Queue", "msg": "msg-2", "summary": "None"})
	b.ipc(4, "queue.get", map[string]any{"queue": "queue-1", "name": "q", "object": "Queue", "msg": "msg-2", "summary": "None"})
	b.ipc(4, "pipe.send", map[string]any{"pipe": "pipe-1", "name": "reader/writer", "end": 1, "summary": "'hi'"})
	b.ipc(1, "pipe.recv", map[string]any{"pipe": "pipe-1", "name": "reader/writer", "end": 0, "summary": "'hi'"})
	b.ipc(2, "shm.write", map[string]any{"shm": "value-1", "name": "counter", "object": "Value", "summary": "1"})
	b.ipc(3, "shm.write", map[string]any{"shm": "value-1", "name": "counter", "object": "Value", "summary": "2"})
	b.ipc(3, "lock.acquire", map[string]any{"lock": "value-1", "name": "counter.get_lock()", "object": "Value lock"})
	b.exit(2, 0).exit(3, 0).exit(4, 0)
	b.out(1, "stdout", "total = 5\n")
	return b.exit(1, 0).end("ok", 0).events
}

func TestEvaluateIPCAndTime(t *testing.T) {
	events := ipcSample()
	cases := []struct {
		name   string
		check  Check
		pass   bool
		detail string
	}{
		{"PoolTasks", Check{Kind: KindPoolTasks, Equals: f(3)}, true, "found 3 pool tasks done"},
		{"PoolTasksByFunction", Check{Kind: KindPoolTasks, Function: "^square$", Equals: f(2)}, true, "found 2"},
		{"PoolTasksByWorkerName", Check{Kind: KindPoolTasks, Name: "^ForkPoolWorker", Equals: f(2)}, true, "found 2"},
		{"PoolTasksBySummary", Check{Kind: KindPoolTasks, Summary: `\b4\b`, Equals: f(1)}, true, "found 1 pool task done"},
		{"PoolTasksErrorsCount", Check{Kind: KindPoolTasks, Summary: "ValueError", Equals: f(1)}, true, "found 1"},
		{"PoolTasksPerProcess", Check{Kind: KindPoolTasks, Count: "processes", Min: f(2)}, true, "found 2 processes"},
		{"PoolTasksMissing", Check{Kind: KindPoolTasks, Function: "^nope$", Min: f(1)}, false, "found 0 pool tasks done, wanted at least 1"},
		{"QueueGets", Check{Kind: KindQueueGets, Object: "^q$", Name: "^runner$", Equals: f(2)}, true, "found 2"},
		{"QueueGetsById", Check{Kind: KindQueueGets, Object: "^queue-1$", Summary: "^None$", Equals: f(1)}, true, "found 1"},
		{"QueueGetsNotInMain", Check{Kind: KindQueueGets, Name: "^MainProcess$", Min: f(1)}, false, "found 0"},
		{"PipeRecvs", Check{Kind: KindPipeRecvs, Name: "^MainProcess$", Object: "^reader", Equals: f(1)}, true, "found 1 pipe message received"},
		{"LockAcquiresByType", Check{Kind: KindLockAcquires, Type: "^Event$", Count: "processes", Equals: f(2)}, true, "found 2 processes"},
		{"LockAcquiresValueLock", Check{Kind: KindLockAcquires, Type: "^(Lock|Value lock)$", Equals: f(1)}, true, "found 1"},
		{"LockObjects", Check{Kind: KindLockAcquires, Count: "objects", Equals: f(2)}, true, "found 2 locks"},
		{"LockObjectsOfOneType", Check{Kind: KindLockAcquires, Type: "^Event$", Count: "objects", Equals: f(1)}, true, "found 1 lock"},
		{"QueueObjects", Check{Kind: KindQueueGets, Count: "objects", Min: f(2)}, false, "found 1 queue, wanted at least 2"},
		{"SharedWrites", Check{Kind: KindSharedWrites, Object: "^counter$", Count: "processes", Equals: f(2)}, true, "found 2 processes"},
		{"SharedWritesTooFew", Check{Kind: KindSharedWrites, Min: f(3)}, false, "found 2 shared-value writes, wanted at least 3"},
		{"WaitsByObjectName", Check{Kind: KindWaits, Object: "^go$", Equals: f(1)}, true, "found 1"},
		{"WaitsById", Check{Kind: KindWaits, Object: "^event-", Name: "^MainProcess$", Equals: f(0)}, true, "found 0"},
		{"OverlapOfPoolTasks", Check{Kind: KindOverlap, Of: "pool_tasks", Min: f(2)}, true, "of 3 spans, at most 2 ran at the same time"},
		{"OverlapOfPoolTasksSequential", Check{Kind: KindOverlap, Of: "pool_tasks", Function: "^cube$", Min: f(2)}, false, "of 1 span, at most 1 ran"},
		{"OverlapOfLines", Check{Kind: KindOverlap, Of: "lines", First: "on my mark", Then: "running", Equals: f(1)}, true, "at most 1"},
		{"LineBeforeEvent", Check{Kind: KindLineEvent, Text: "main: go!", When: "before", Event: "lock.acquire", Name: "^MainProcess$", Type: "^Event$"}, true, "in that order"},
		{"LineBeforeEventFails", Check{Kind: KindLineEvent, Text: "runner: running", When: "before", Event: "lock.acquire", Name: "^MainProcess$"}, false, `"runner: running" comes after the first lock acquisition`},
		{"LineAfterEvent", Check{Kind: KindLineEvent, Text: "running", When: "after", Event: "lock.acquire", Name: "^MainProcess$", Object: "^go$"}, true, "in that order"},
		{"LineAfterEventFails", Check{Kind: KindLineEvent, Text: "on my mark", When: "after", Event: "lock.acquire", Object: "^go$"}, false, "comes before the last lock acquisition"},
		{"LineAfterProcExit", Check{Kind: KindLineEvent, Text: "total", When: "after", Event: "proc.exit", Name: "PoolWorker|runner"}, true, "in that order"},
		{"LineAfterPoolDone", Check{Kind: KindLineEvent, Text: "main: go!", When: "after", Event: "pool.done"}, true, "in that order"},
		{"LineEventNoEvent", Check{Kind: KindLineEvent, Text: "total", When: "after", Event: "pipe.send", Name: "^MainProcess$"}, false, "no pipe send of that kind happened"},
		{"LineEventNoLine", Check{Kind: KindLineEvent, Text: "never", When: "after", Event: "pool.done"}, false, `"never" does not appear`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check.Validate(); err != nil {
				t.Fatalf("invalid: %v", err)
			}
			r := Evaluate([]Check{tc.check}, events)[0]
			if r.Passed != tc.pass {
				t.Errorf("passed = %v, want %v (%s)", r.Passed, tc.pass, r.Detail["en"])
			}
			if !strings.Contains(r.Detail["en"], tc.detail) {
				t.Errorf("detail %q does not contain %q", r.Detail["en"], tc.detail)
			}
			if r.Detail["zh"] == "" || r.Description["en"] == "" || r.Description["zh"] == "" {
				t.Errorf("missing text: %+v", r)
			}
		})
	}
}

func TestTruePIDs(t *testing.T) {
	events := stream().proc(1, "MainProcess").
		add(map[string]any{"type": "proc.start", "pid": 7, "ppid": 1, "name": "left", "via": "fork"}).
		add(map[string]any{"type": "proc.start", "pid": 8, "ppid": 1, "name": "right", "via": "fork"}).
		out(7, "stdout", "name=left pid=7 ppid=1\n").
		out(8, "stdout", "name=right pid=12 ppid=1\n").
		out(1, "stdout", "name=main pid=1\n").
		exit(7, 0).exit(8, 0).exit(1, 0).end("ok", 0).events
	pattern := `^name=(\w+) pid=(?P<pid>\d+)(?: ppid=(?P<ppid>\d+))?$`
	res := Evaluate([]Check{
		{Kind: KindTruePIDs, Name: "^left$", Pattern: pattern},
		{Kind: KindTruePIDs, Pattern: pattern},
		{Kind: KindTruePIDs, Pattern: `^name=main pid=(?P<pid>\d+)$`},
		{Kind: KindTruePIDs, Pattern: `^nothing (?P<pid>\d+)$`},
	}, events)
	if !res[0].Passed || !res[2].Passed {
		t.Errorf("true pids refused: %s / %s", res[0].Detail["en"], res[2].Detail["en"])
	}
	if res[1].Passed || !strings.Contains(res[1].Detail["en"], "prints pid 12, but right (pid 8) wrote it") {
		t.Errorf("a made-up pid passed: %s", res[1].Detail["en"])
	}
	if res[3].Passed || !strings.Contains(res[3].Detail["en"], "no line matches") {
		t.Errorf("no line: %s", res[3].Detail["en"])
	}
	if err := (Check{Kind: KindTruePIDs, Pattern: `pid=\d+`}).Validate(); err == nil {
		t.Error("a pattern without a pid group was accepted")
	}
}

func TestValidateNewKinds(t *testing.T) {
	bad := map[string]Check{
		"ipc needs bounds":          {Kind: KindQueueGets},
		"bad count":                 {Kind: KindPoolTasks, Count: "tasks", Min: f(1)},
		"function on queue":         {Kind: KindQueueGets, Function: "f", Min: f(1)},
		"bad object regexp":         {Kind: KindSharedWrites, Object: "(", Min: f(1)},
		"overlap needs of":          {Kind: KindOverlap, Min: f(2)},
		"overlap lines needs texts": {Kind: KindOverlap, Of: "lines", First: "a", Min: f(2)},
		"overlap tasks no texts":    {Kind: KindOverlap, Of: "pool_tasks", First: "a", Then: "b", Min: f(2)},
		"line_event needs event":    {Kind: KindLineEvent, Text: "x", When: "after"},
		"line_event bad event":      {Kind: KindLineEvent, Text: "x", When: "after", Event: "output"},
		"line_event bad when":       {Kind: KindLineEvent, Text: "x", When: "during", Event: "pool.done"},
		"line_event takes no count": {Kind: KindLineEvent, Text: "x", When: "after", Event: "pool.done", Count: "events"},
		"waits takes no type":       {Kind: KindWaits, Type: "Event", Min: f(1)},
	}
	for name, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: %+v was accepted", name, c)
		}
	}
}

// TestChineseDescriptionsAreGrammatical holds the generated Chinese
// sentences to a few rules: a number stands between spaces and is followed
// by its measure word, bounds are not doubled ("值为恰好"), and a count of
// one is not "都是".
func TestChineseDescriptionsAreGrammatical(t *testing.T) {
	checks := []Check{
		{Kind: KindProcesses, Name: "^w$", Equals: f(3)},
		{Kind: KindProcesses, Min: f(1)},
		{Kind: KindMaxAlive, Max: f(2)},
		{Kind: KindLines, Pattern: "x", Min: f(2), Max: f(4)},
		{Kind: KindLines, Equals: f(1)},
		{Kind: KindOutputProcesses, Pattern: "x", Equals: f(4)},
		{Kind: KindValue, Key: "total", Equals: f(30)},
		{Kind: KindValue, Key: "ratio", Min: f(0.5)},
		{Kind: KindDuration, Max: f(2500)},
		{Kind: KindPoolTasks, Function: "^f$", Equals: f(5)},
		{Kind: KindQueueGets, Count: "processes", Equals: f(2)},
	}
	bad := regexp.MustCompile(`恰好 \d+个|\d+个|值为(恰好|至少|至多)|为恰好|(恰好|至少|最多|至多)\d|有恰好`)
	for _, c := range checks {
		zh := c.Description()["zh"]
		if bad.MatchString(zh) {
			t.Errorf("%s: %q", c.Kind, zh)
		}
	}
	for _, c := range checks[:6] {
		res := Evaluate([]Check{c}, sample())[0]
		if bad.MatchString(res.Detail["zh"]) {
			t.Errorf("%s detail: %q", c.Kind, res.Detail["zh"])
		}
	}
	one := Evaluate([]Check{{Kind: KindEveryExit, Name: "^sleeper$", Signal: "SIGTERM"}}, sample())[0]
	if strings.Contains(one.Detail["zh"], "1 个进程都") {
		t.Errorf("one process: %q", one.Detail["zh"])
	}
	want := map[string]string{
		"恰好启动 3 个名称匹配 /^w$/ 的进程":                checks[0].Description()["zh"],
		"打印出的 total 的值等于 30":                    checks[6].Description()["zh"],
		"运行耗时最多 2500 毫秒":                        checks[8].Description()["zh"],
		"输出中有 2 到 4 行匹配 /x/":                    checks[3].Description()["zh"],
		"exactly 3 processes named /^w$/ start": checks[0].Description()["en"],
		"the output has exactly 1 line":         checks[4].Description()["en"],
	}
	for w, got := range want {
		if got != w {
			t.Errorf("description %q, want %q", got, w)
		}
	}
}

// The races exercise judges a wrong answer wrong even when the race happens
// to lose no update: four adders that each take a lock of their own print
// counter = 100000 on a lucky run, and still fail, as they share no lock;
// the same run with one lock between them passes.
func TestALockEachFailsTheRacesExerciseEvenWhenTheCountIsRight(t *testing.T) {
	course, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	l, _ := course.Lesson("races-and-locks")
	ex, ok := l.Exercise("reach-100000")
	if !ok {
		t.Fatal("no exercise reach-100000")
	}
	run := func(lockOf func(adder int) string) []event.Event {
		b := stream().proc(1, "MainProcess")
		for a := 1; a <= 4; a++ {
			b.proc(1+a, fmt.Sprintf("adder-%d", a))
		}
		for a := 1; a <= 4; a++ {
			b.ipc(1+a, "lock.acquire", map[string]any{"lock": lockOf(a), "name": "lock", "object": "Lock"})
			b.ipc(1+a, "shm.write", map[string]any{"shm": "value-1", "name": "counter", "object": "Value", "summary": "25000"})
			b.ipc(1+a, "lock.release", map[string]any{"lock": lockOf(a), "name": "lock", "object": "Lock"})
			b.exit(1+a, 0)
		}
		b.out(1, "stdout", "counter = 100000\n")
		return b.exit(1, 0).end("ok", 0).events
	}
	own := Evaluate(ex.Checks, run(func(a int) string { return fmt.Sprintf("lock-%d", a) }))
	if Passed(own) {
		t.Fatal("four locks of their own passed the exercise")
	}
	for _, r := range own {
		if !r.Passed && r.Check.Count != "objects" {
			t.Errorf("a lock each failed %q too: the objects check should be the one that says why", r.Description.In("en"))
		}
	}
	if shared := Evaluate(ex.Checks, run(func(int) string { return "lock-1" })); !Passed(shared) {
		for _, r := range shared {
			if !r.Passed {
				t.Errorf("one shared lock failed %q: %s", r.Description.In("en"), r.Detail.In("en"))
			}
		}
	}
}
