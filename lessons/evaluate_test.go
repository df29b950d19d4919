package lessons

import (
	"encoding/json"
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
		{"EveryExitSignal", Check{Kind: KindEveryExit, Name: "^sleeper$", Signal: "SIGTERM"}, true, "all 1 ended that way"},
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
		{"LinesPatternFails", Check{Kind: KindLines, Pattern: `^worker \d done$`, Name: "^Worker-1$", Min: f(2)}, false, "found 1 lines, wanted at least 2"},
		{"LinesStream", Check{Kind: KindLines, Stream: "stderr", Equals: f(1)}, true, "found 1 lines"},
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
