// One simulated learner: a WebSocket of its own, one press of Run and
// the messages up to run.end.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/gorilla/websocket"
)

// clientTimeout bounds one learner's wait for run.end.
const clientTimeout = 5 * time.Minute

// result is what one learner saw.
type result struct {
	Completion time.Duration // Run pressed -> run.end received
	Wait       time.Duration // Run pressed -> run.start received
	Duration   time.Duration // the run's own duration_ms
	Queued     bool          // a "queued" message came
	MaxPlace   int           // the worst place in the queue
	Status     string        // run.end status
	Err        string        // what went wrong, "" when the run ended ok
	Pressed    time.Time     // when Run was pressed
	Started    time.Time     // when run.start arrived
	Events     []json.RawMessage
}

// learner waits delay, connects, presses Run with code and reads until
// run.end.
func learner(ctx context.Context, wsURL, slug, code string, delay time.Duration) (r result) {
	time.Sleep(delay)
	ctx, cancel := context.WithTimeout(ctx, clientTimeout)
	defer cancel()
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil)
	if err != nil {
		r.Err = "connect: " + err.Error()
		return r
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetReadDeadline(deadline)
	msg, _ := json.Marshal(map[string]string{"type": "run", "lesson": slug, "code": code})
	r.Pressed = time.Now()
	if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		r.Err = "send: " + err.Error()
		return r
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			r.Err = "read before run.end: " + err.Error()
			return r
		}
		now := time.Now()
		for _, raw := range splitMessage(data) {
			if r.take(raw, now) {
				return r
			}
		}
	}
}

// take records one message from the server, received at now; it reports
// whether the learner is done: run.end came, an error or a message that
// is not JSON.
func (r *result) take(raw json.RawMessage, now time.Time) (done bool) {
	r.Events = append(r.Events, raw)
	var m struct {
		Type       string   `json:"type"`
		Position   int      `json:"position"`
		Status     string   `json:"status"`
		Message    string   `json:"message"`
		DurationMS *float64 `json:"duration_ms"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		r.Err = "a message that is not JSON: " + err.Error()
		return true
	}
	switch m.Type {
	case "queued":
		r.Queued = true
		r.MaxPlace = max(r.MaxPlace, m.Position)
	case "error":
		r.Err = "server error: " + m.Message
		return true
	case "run.start":
		r.Wait = now.Sub(r.Pressed)
		r.Started = now
	case "run.end":
		r.Completion = now.Sub(r.Pressed)
		r.Status = m.Status
		if m.DurationMS != nil {
			r.Duration = time.Duration(*m.DurationMS * float64(time.Millisecond))
		}
		if m.Status != "ok" {
			r.Err = fmt.Sprintf("run ended %s: %s", m.Status, m.Message)
		}
		return true
	}
	return false
}

// splitMessage returns the JSON objects of one WebSocket message: the
// server sends one object, or several as an array.
func splitMessage(data []byte) []json.RawMessage {
	t := bytes.TrimSpace(data)
	if len(t) > 0 && t[0] == '[' {
		var all []json.RawMessage
		if json.Unmarshal(t, &all) == nil {
			return all
		}
	}
	return []json.RawMessage{t}
}

func websocketURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("--url %q is not a server address like http://localhost:8080", base)
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path = "/ws"
	return u.String(), nil
}
