package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWSConnectionsPerClientAreCapped(t *testing.T) {
	app, _ := MustServer(t, Config{Executor: idleExecutor})
	admit := func(remote string) (func(), *httptest.ResponseRecorder) {
		r := httptest.NewRequest("GET", "/ws", nil)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		release, ok := app.admitConn(w, r)
		if !ok {
			return nil, w
		}
		return release, w
	}

	var releases []func()
	for i := range maxConnsPerClient {
		release, w := admit(fmt.Sprintf("203.0.113.9:%d", 1000+i))
		if release == nil {
			t.Fatalf("connection %d refused: %d %s", i+1, w.Code, w.Body)
		}
		releases = append(releases, release)
	}
	release, w := admit("203.0.113.9:5000")
	if release != nil || w.Code != http.StatusTooManyRequests || strings.TrimSpace(w.Body.String()) != msgTooManyConns {
		t.Fatalf("connection %d: %d %q", maxConnsPerClient+1, w.Code, w.Body)
	}
	if release, _ := admit("198.51.100.4:5000"); release == nil {
		t.Error("another address was refused")
	}
	releases[0]()
	if release, _ := admit("203.0.113.9:5001"); release == nil {
		t.Error("a connection that ended still counts")
	}
	for range maxConnsPerClient + 10 {
		if release, _ := admit("127.0.0.1:6000"); release == nil {
			t.Fatal("a client on this machine (a proxy in front) was refused")
		}
	}
	for i := range maxConnsPerClient {
		admit(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1))
	}
	if release, _ := admit("[2001:db8:1:2:ffff::1]:443"); release != nil {
		t.Error("one IPv6 network spread over many addresses escaped the cap")
	}
}
