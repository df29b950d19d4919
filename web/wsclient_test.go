package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/event"
)

// wsClient is a real WebSocket client of the server, as the page is.
type wsClient struct {
	tb     testing.TB
	conn   *websocket.Conn
	in     chan received
	arrays atomic.Int64 // messages that carried a JSON array
	single atomic.Int64 // messages that carried one object
}

// received is one object of a server message and when it arrived.
type received struct {
	raw json.RawMessage
	at  time.Time
}

// message is the union of what the server sends.
type message struct {
	event.Event
	Position int `json:"position"`
}

func wsURL(ts *httptest.Server) string { return "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws" }

// MustDial opens a WebSocket as a page of the server's own origin would.
func MustDial(tb testing.TB, ts *httptest.Server, header http.Header) *wsClient {
	tb.Helper()
	return MustDialAddr(tb, strings.TrimPrefix(ts.URL, "http://"), header)
}

// MustDialAddr opens a WebSocket to the server at host:port.
func MustDialAddr(tb testing.TB, host string, header http.Header) *wsClient {
	tb.Helper()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Origin") == "" {
		header.Set("Origin", "http://"+host)
	}
	conn, res, err := websocket.DefaultDialer.Dial("ws://"+host+"/ws", header)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		tb.Fatalf("dial: %v (HTTP %d)", err, status)
	}
	c := &wsClient{tb: tb, conn: conn, in: make(chan received, 1<<16)}
	go c.readLoop()
	tb.Cleanup(func() { conn.Close() })
	return c
}

func (c *wsClient) readLoop() {
	defer close(c.in)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		if len(data) > 0 && data[0] == '[' {
			c.arrays.Add(1)
			var items []json.RawMessage
			if err := json.Unmarshal(data, &items); err != nil {
				c.tb.Errorf("server sent invalid JSON array: %v", err)
				return
			}
			for _, it := range items {
				c.in <- received{it, now}
			}
			continue
		}
		c.single.Add(1)
		if !json.Valid(data) {
			c.tb.Errorf("server sent invalid JSON: %q", data)
			return
		}
		c.in <- received{data, now}
	}
}

func (c *wsClient) send(v any) {
	c.tb.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		c.tb.Fatalf("send: %v", err)
	}
}

// next returns the next object the server sent.
func (c *wsClient) next(timeout time.Duration) (message, received) {
	c.tb.Helper()
	select {
	case r, ok := <-c.in:
		if !ok {
			c.tb.Fatalf("connection closed while waiting for a message")
		}
		var m message
		if err := json.Unmarshal(r.raw, &m); err != nil {
			c.tb.Fatalf("decode %s: %v", r.raw, err)
		}
		return m, r
	case <-time.After(timeout):
		c.tb.Fatalf("no message within %v", timeout)
	}
	panic("unreachable")
}

// expectError waits for an error message and returns its text.
func (c *wsClient) expectError(timeout time.Duration) string {
	c.tb.Helper()
	m, r := c.next(timeout)
	if m.Type != "error" || m.Message == "" {
		c.tb.Fatalf("want an error message, got %s", r.raw)
	}
	return m.Message
}

// runToEnd collects the events of a run up to and including run.end.
// Messages that are not events (queued) are returned apart.
func (c *wsClient) runToEnd(timeout time.Duration) (events []event.Event, raws []json.RawMessage, other []message) {
	c.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, r := c.next(time.Until(deadline))
		if m.Seq == 0 {
			other = append(other, m)
			if m.Type == "error" {
				c.tb.Fatalf("error during run: %s", m.Message)
			}
			continue
		}
		events = append(events, m.Event)
		raws = append(raws, r.raw)
		if m.Type == event.TypeRunEnd {
			return events, raws, other
		}
	}
}

func runMsg(lesson, code string) map[string]any {
	return map[string]any{"type": "run", "lesson": lesson, "code": code}
}
