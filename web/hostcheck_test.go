package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// requestWithHost sends method path to the server at ts with the given Host
// header and returns the status and the body.
func requestWithHost(tb testing.TB, base, method, path, host string, header http.Header) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(url.Values{"nickname": {"x"}}.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		tb.Fatalf("%s %s (Host %s): %v", method, path, host, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// dialWithHost opens a WebSocket to the server at addr with a Host and an
// Origin of the page's choosing, as a browser does after DNS rebinding.
func dialWithHost(addr, host, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{"Host": {host}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial("ws://"+addr+"/ws", h)
}

func TestHostHeaderIsChecked(t *testing.T) {
	_, ts := MustServer(t, Config{Executor: idleExecutor, Nicknames: nil})
	addr := strings.TrimPrefix(ts.URL, "http://")
	port := addr[strings.LastIndexByte(addr, ':'):]

	t.Run("TheServersOwnNamesAreAnswered", func(t *testing.T) {
		for _, host := range []string{addr, "localhost" + port, "LocalHost" + port, "localhost." + port,
			"[::1]" + port, "192.0.2.7" + port, "[fd00::2]" + port} {
			if code, body := requestWithHost(t, ts.URL, "GET", "/", host, nil); code != http.StatusOK {
				t.Errorf("Host %q: %d %s", host, code, body)
			}
		}
	})

	t.Run("AnyOtherNameGetsAPlainRefusal", func(t *testing.T) {
		for _, host := range []string{"evil.example" + port, "evil.example", "localhost:1", "127.0.0.1",
			"127.0.0.1.nip.io" + port, "localhost.evil.example" + port, "::1" + port, "[::1" + port, "localhost" + port + "x"} {
			code, body := requestWithHost(t, ts.URL, "GET", "/", host, nil)
			if code != http.StatusMisdirectedRequest || strings.TrimSpace(body) != msgMisdirected {
				t.Errorf("Host %q: %d %q", host, code, body)
			}
		}
	})

	t.Run("AWebSocketWithAForeignHostAndAMatchingOriginIsRefused", func(t *testing.T) {
		conn, res, err := dialWithHost(addr, "evil.example"+port, "http://evil.example"+port)
		if err == nil {
			conn.Close()
			t.Fatal("the handshake of a rebound name was accepted")
		}
		if res == nil || res.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("response %v", res)
		}
	})

	t.Run("AFormWithAForeignHostIsRefused", func(t *testing.T) {
		h := http.Header{"Origin": {"http://evil.example" + port}}
		for _, p := range []string{"/nickname", "/teacher", "/teacher/signout"} {
			if code, _ := requestWithHost(t, ts.URL, "POST", p, "evil.example"+port, h); code != http.StatusMisdirectedRequest {
				t.Errorf("POST %s: %d", p, code)
			}
		}
	})

	t.Run("ProbesAreAnsweredWhateverTheirHost", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/metrics"} {
			if code, body := requestWithHost(t, ts.URL, "GET", p, "playground.internal:9999", nil); code != http.StatusOK {
				t.Errorf("GET %s: %d %s", p, code, body)
			}
		}
	})
}

func TestHostOfThePublicURLIsAnswered(t *testing.T) {
	_, ts := MustServer(t, Config{Executor: idleExecutor, PublicURL: "https://Play.Example.org/"})
	addr := strings.TrimPrefix(ts.URL, "http://")

	for host, want := range map[string]int{
		"play.example.org":      http.StatusOK, // behind a proxy that keeps Host
		"play.example.org:443":  http.StatusOK,
		"play.example.org:8443": http.StatusMisdirectedRequest,
		"evil.example":          http.StatusMisdirectedRequest,
		addr:                    http.StatusOK, // behind a proxy that sets Host to the upstream's
	} {
		if code, _ := requestWithHost(t, ts.URL, "GET", "/", host, nil); code != want {
			t.Errorf("Host %q: %d, want %d", host, code, want)
		}
	}

	t.Run("AWebSocketFromThePublicOriginIsAccepted", func(t *testing.T) {
		for _, host := range []string{"play.example.org", addr} {
			conn, res, err := dialWithHost(addr, host, "https://play.example.org")
			if err != nil {
				t.Errorf("Host %q: %v %v", host, err, res)
				continue
			}
			conn.Close()
		}
		if conn, _, err := dialWithHost(addr, addr, "https://evil.example"); err == nil {
			conn.Close()
			t.Error("a foreign origin was accepted")
		}
	})

	t.Run("CookiesAreHTTPSOnly", func(t *testing.T) {
		res, _ := MustGet(t, nil, ts.URL+"/")
		for _, c := range res.Cookies() {
			if !c.Secure {
				t.Errorf("cookie %s is not Secure", c.Name)
			}
		}
		if len(res.Cookies()) == 0 {
			t.Error("no cookie was set")
		}
	})
}

func TestHostPolicyRefusesABadPublicURL(t *testing.T) {
	for _, u := range []string{"play.example.org", "ftp://play.example.org", "https://", "https://play.example.org/app",
		"https://user@play.example.org", "https://play.example.org/?a=b", "https://play.example.org:0", "https://[::1"} {
		if _, err := New(Config{Catalog: testCatalog(), Executor: idleExecutor, Logger: quietLogger(), PublicURL: u}); err == nil {
			t.Errorf("public URL %q accepted", u)
		}
	}
	for _, u := range []string{"http://10.0.0.5:8080", "https://play.example.org", "https://[2001:db8::1]:8443/"} {
		if _, err := newHostPolicy(u); err != nil {
			t.Errorf("public URL %q: %v", u, err)
		}
	}
}
