package runner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func ip(v int) *int         { return &v }
func fp(v float64) *float64 { return &v }
func fullEvent() Event {
	return Event{Seq: 42, T: 12.345, Type: TypeQueuePut, PID: 7, PPID: ip(1), Name: "Process-1", Via: "fork",
		Argv: []string{"sh", "-c", "echo <b>\"hi\" & \u2028 \x01"}, Stream: "stdout", Text: "héllo\n\x00\t\xff end",
		Code: ip(0), Signal: "SIGTERM", Kind: LimitMemory, Message: "Stopped.", Status: StatusOK, ExitCode: ip(-9),
		DurationMS: fp(1e-7), Queue: "queue-1", Pipe: "pipe-2", End: ip(1), Pool: "pool-1", Task: "task-3",
		Function: "square", Lock: "lock-1", Shm: "psm_1", Object: "Queue", Msg: "msg-1", Index: ip(0),
		Summary: "{'n': 1}", Size: ip(184), WaitedMS: fp(3.25), Error: "ValueError('x')"}
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

func TestRecordsSurviveTheWire(t *testing.T) {
	e := fullEvent()
	// The runner itself sets these; the init never sends them.
	e.Seq, e.T, e.Status, e.ExitCode, e.DurationMS = 0, 0, "", nil, nil
	in := []record{{NS: 123456789, Event: &e}, {NS: 5, Limit: LimitDisk, Where: "/tmp"}, {NS: 6, Error: "no sandbox"}}
	var b []byte
	for _, r := range in {
		b = appendRecord(b, r)
	}
	br := bufio.NewReader(bytes.NewReader(b))
	var buf []byte
	for i, want := range in {
		got, nb, err := readRecord(br, buf)
		buf = nb
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if _, _, err := readRecord(br, buf); err == nil {
		t.Errorf("read past the end")
	}
	if _, err := decodeRecord([]byte{200, 1, 'x'}); err == nil {
		t.Errorf("an unknown tag was accepted")
	}
}
