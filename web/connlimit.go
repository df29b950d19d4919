package web

import (
	"net/http"
	"sync"
)

// maxConnsPerClient caps the WebSockets open from one client address. A
// class shares one NAT address and a learner keeps a socket per open
// lesson page (a page that lost its network may also leave its old socket
// open for up to pongWait while it reconnects): 40 learners with three
// tabs each, twice over, fit. One address cannot hold thousands of idle
// connections. Clients on this machine are not counted: a reverse proxy
// in front of the server brings every learner from its own address, and
// it is there that limits per learner belong.
const maxConnsPerClient = 256

// msgTooManyConns answers a WebSocket past maxConnsPerClient.
const msgTooManyConns = "Too many playground pages are open from your network. Close some tabs and reload this page."

// connLimit counts the open WebSockets of each client address.
type connLimit struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

func newConnLimit(max int) *connLimit {
	return &connLimit{max: max, open: map[string]int{}}
}

// acquire counts one more connection of key; false when key is at the cap.
func (l *connLimit) acquire(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.max {
		return false
	}
	l.open[key]++
	return true
}

// release counts one connection of key less.
func (l *connLimit) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// count is how many connections key has open.
func (l *connLimit) count(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[key]
}

// admitConn counts the WebSocket of r against its client's cap. It
// returns the release to call when the connection ends, or answers 429
// and returns false.
func (s *Server) admitConn(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	key, loopback := clientKey(r.RemoteAddr)
	if loopback {
		return func() {}, true
	}
	if !s.conns.acquire(key) {
		s.log.Warn("websocket refused: too many connections from one address", "client", key, "max", s.conns.max)
		w.Header().Set("Retry-After", "60")
		http.Error(w, msgTooManyConns, http.StatusTooManyRequests)
		return nil, false
	}
	return func() { s.conns.release(key) }, true
}
