package event

import (
	"bytes"
	"encoding/json"
	"testing"
)

func ip(v int) *int         { return &v }
func fp(v float64) *float64 { return &v }

func fullEvent() Event {
	return Event{Seq: 42, T: 12.345, Type: TypeQueuePut, RunID: "0123abcd", Python: "3.11.2",
		Limits: &Limits{WallTimeMS: 10000, Pids: 64}, Sandbox: &SandboxInfo{Enabled: true, Namespaces: []string{"user", "pid"}, HostUID: -1},
		PID: 7, PPID: ip(1), Name: "Process-1", Via: "fork",
		Argv: []string{"sh", "-c", "echo <b>\"hi\" & \u2028 \x01"}, Stream: "stdout", Text: "héllo\n\x00\t\xff end",
		Code: ip(0), Signal: "SIGTERM", Kind: LimitMemory, Message: "Stopped.", Status: StatusOK, ExitCode: ip(-9),
		DurationMS: fp(1e-7), Queue: "queue-1", Pipe: "pipe-2", End: ip(1), Pool: "pool-1", Task: "task-3",
		Function: "square", Lock: "lock-1", Shm: "psm_1", Object: "Queue", Msg: "msg-1", Index: ip(0),
		Summary: "{'n': 1}", Size: ip(184), WaitedMS: fp(3.25), Error: "ValueError('x')", Op: "get",
		Pattern: PatternLockOrder, PIDs: []int{12, 9}, Stacks: map[int][]Frame{12: {{File: "main.py", Line: 7, Function: "<module>"}}, 9: {{File: "main.py", Line: 3, Function: "worker"}}}}
}

// plainEvent has Event's fields and tags but not its MarshalJSON.
type plainEvent Event

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, e := range []Event{
		fullEvent(),
		{Seq: 1, T: 0, Type: TypeRunStart, RunID: "abc", Python: "3.11.2", Limits: &Limits{WallTimeMS: 10000}, Sandbox: &SandboxInfo{Enabled: true, Namespaces: []string{"user"}}},
		{Seq: 2, T: 1e21, Type: TypeOutput, PID: 3, Stream: "stderr", Text: "\u2029 <script>"},
	} {
		want, err := json.Marshal(plainEvent(e))
		if err != nil {
			t.Fatal(err)
		}
		if got := e.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
		}
		var back Event
		if err := json.Unmarshal(e.AppendJSON(nil), &back); err != nil {
			t.Errorf("not valid JSON: %v", err)
		}
	}
}
