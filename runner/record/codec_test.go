package record

import (
	"bufio"
	"bytes"
	"reflect"
	"testing"

	"mpplayground/event"
)

func TestRecordsSurviveTheWire(t *testing.T) {
	one, zero := 1, 0
	e := event.Event{Type: event.TypeProcStart, PID: 7, PPID: &one, Name: "Process-1", Via: "fork",
		Argv: []string{"sh", "-c", "echo <b>\"hi\" & \u2028 \x01"}, Stream: "stdout", Text: "héllo\n\x00\t\xff end",
		Code: &zero, Signal: "SIGTERM"}
	in := []Record{{NS: 123456789, Event: &e}, {NS: 5, Limit: event.LimitDisk, Where: "/tmp"}, {NS: 6, Error: "no sandbox"}}
	var b []byte
	for _, r := range in {
		b = Append(b, r)
	}
	br := bufio.NewReader(bytes.NewReader(b))
	var buf []byte
	for i, want := range in {
		got, nb, err := Read(br, buf)
		buf = nb
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if _, _, err := Read(br, buf); err == nil {
		t.Errorf("read past the end")
	}
	if _, err := decode([]byte{200, 1, 'x'}); err == nil {
		t.Errorf("an unknown tag was accepted")
	}
}
