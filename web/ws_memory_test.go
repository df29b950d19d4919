package web

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/runner"
)

// Idle connections are what a class leaves open all lesson long: a page
// per learner (often several), each holding a WebSocket and running nothing.
const (
	// idleConnsMeasured is how many idle WebSockets the memory test opens.
	idleConnsMeasured = 2000
	// maxIdleConnHeap bounds the heap one idle connection may hold, the
	// client's socket in this process included.
	maxIdleConnHeap = 10 << 10
)

// idleExecutor is never called: idle connections run nothing.
var idleExecutor = ExecutorFunc(func(context.Context, runner.Request, func(event.Event)) runner.Result {
	return runner.Result{}
})

// dialRawWS performs the WebSocket handshake on a bare TCP connection and
// keeps nothing else, so that the client side adds no buffers of its own
// to what is measured.
func dialRawWS(tb testing.TB, addr string) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatalf("dial %s: %v", addr, err)
	}
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nOrigin: http://%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", addr, addr)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReaderSize(c, 512), nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("handshake: %v %v", res, err)
	}
	c.SetReadDeadline(time.Time{})
	return c
}

// memInUse is the heap and the goroutine stacks in use after a full GC.
func memInUse() (heap, stack uint64) {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse
}

func (s *Server) openSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// TestWSIdleConnectionsCostLittleMemory opens idleConnsMeasured WebSockets
// to a real server on 127.0.0.1 and measures what they hold once idle:
// buffers are only taken while a message is written.
//
//	go test -count=1 -run TestWSIdleConnectionsCostLittleMemory -v ./web
func TestWSIdleConnectionsCostLittleMemory(t *testing.T) {
	app, ts := MustServer(t, Config{Executor: idleExecutor})
	addr := strings.TrimPrefix(ts.URL, "http://")
	dialRawWS(t, addr).Close() // the server's first-use allocations are not the connections'
	time.Sleep(100 * time.Millisecond)

	heap0, stack0 := memInUse()
	conns := make([]net.Conn, 0, idleConnsMeasured)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range idleConnsMeasured {
		conns = append(conns, dialRawWS(t, addr))
	}
	for deadline := time.Now().Add(10 * time.Second); app.openSessions() < idleConnsMeasured; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d connections open on the server", app.openSessions(), idleConnsMeasured)
		}
		time.Sleep(10 * time.Millisecond)
	}
	heap1, stack1 := memInUse()

	perHeap := (int64(heap1) - int64(heap0)) / idleConnsMeasured
	perStack := (int64(stack1) - int64(stack0)) / idleConnsMeasured
	t.Logf("%d idle WebSockets: heap %.1f KiB and stacks %.1f KiB per connection (%.1f MiB in all)",
		idleConnsMeasured, float64(perHeap)/1024, float64(perStack)/1024,
		float64(int64(heap1+stack1)-int64(heap0+stack0))/(1<<20))
	if perHeap > maxIdleConnHeap {
		t.Errorf("an idle connection holds %d bytes of heap; want at most %d", perHeap, maxIdleConnHeap)
	}
}
