//go:build ignore

// Command wsrun presses Run as a learner's page does: it sends a program
// over the server's WebSocket, reads the run's events until run.end and
// checks how the run ended. docker/test.sh runs it against the container:
//
//	go run docker/testdata/wsrun.go -url http://127.0.0.1:PORT -want-status ok -want-output 285 < program.py
//
// It prints the run's id on stdout (then "host_uid=N", the run's uid on
// the host), says what it got on stderr, and exits 1 when the run did not
// end as wanted.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the server")
	lesson := flag.String("lesson", "pool-map", "the lesson whose page runs the program")
	timeout := flag.Duration("timeout", 2*time.Minute, "how long the whole run may take, queue included")
	wantStatus := flag.String("want-status", "ok", "run.end's status")
	wantLimit := flag.String("want-limit", "", "the kind of the run's one limit event (none when empty)")
	wantMessage := flag.String("want-message", "", "the limit event's sentence (with -want-limit)")
	wantOutput := flag.String("want-output", "", "text the run's output must hold")
	flag.Parse()
	code, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read the program: %v", err)
	}
	u, err := url.Parse(*base)
	if err != nil {
		fail("-url: %v", err)
	}
	u.Scheme = map[string]string{"https": "wss"}[u.Scheme]
	if u.Scheme == "" {
		u.Scheme = "ws"
	}
	u.Path = "/ws"

	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second}
	conn, _, err := dialer.Dial(u.String(), nil)
	if err != nil {
		fail("connect to %s: %v", u, err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(*timeout))
	msg, _ := json.Marshal(map[string]string{"type": "run", "lesson": *lesson, "code": string(code)})
	if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		fail("send the program: %v", err)
	}

	var (
		runID, status, endMsg string
		hostUID               = -1
		limits                []event
		output                strings.Builder
	)
	for status == "" {
		_, data, err := conn.ReadMessage()
		if err != nil {
			fail("read before run.end: %v", err)
		}
		for _, e := range split(data) {
			switch e.Type {
			case "error":
				fail("the server says: %s", e.Message)
			case "run.start":
				runID = e.RunID
				if e.Sandbox != nil {
					hostUID = e.Sandbox.HostUID
				}
			case "output":
				output.WriteString(e.Text)
			case "limit":
				limits = append(limits, e)
			case "run.end":
				status, endMsg = e.Status, e.Message
			}
		}
	}
	fmt.Fprintf(os.Stderr, "wsrun: run %s ended %s (%s), host uid %d, limits %+v\n", runID, status, endMsg, hostUID, limits)
	switch {
	case status != *wantStatus:
		fail("status %q, want %q; output:\n%s", status, *wantStatus, output.String())
	case *wantLimit == "" && len(limits) > 0:
		fail("limit events %+v, want none", limits)
	case *wantLimit != "" && (len(limits) != 1 || limits[0].Kind != *wantLimit):
		fail("limit events %+v, want one of kind %q", limits, *wantLimit)
	case *wantLimit != "" && *wantMessage != "" && limits[0].Message != *wantMessage:
		fail("limit sentence %q, want %q", limits[0].Message, *wantMessage)
	case !strings.Contains(output.String(), *wantOutput):
		fail("the output lacks %q:\n%s", *wantOutput, output.String())
	}
	fmt.Println(runID)
	fmt.Printf("host_uid=%d\n", hostUID)
}

// event is what wsrun reads of the server's messages.
type event struct {
	Type    string `json:"type"`
	RunID   string `json:"run_id,omitempty"`
	Status  string `json:"status,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Message string `json:"message,omitempty"`
	Text    string `json:"text,omitempty"`
	Sandbox *struct {
		HostUID int `json:"host_uid"`
	} `json:"sandbox,omitempty"`
}

// split reads one WebSocket message: one event, or several as an array.
func split(data []byte) []event {
	t := bytes.TrimSpace(data)
	var all []event
	if len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &all); err != nil {
			fail("a message that is not JSON: %v", err)
		}
		return all
	}
	var e event
	if err := json.Unmarshal(t, &e); err != nil {
		fail("a message that is not JSON: %v", err)
	}
	return []event{e}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "wsrun: "+format+"\n", args...)
	os.Exit(1)
}
