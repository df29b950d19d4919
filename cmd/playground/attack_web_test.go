package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/websocket"

	"mpplayground/store"
)

// The web tier's cases of the attack suite: what a learner's browser, or
// any page on the local network, can send to the real server.

// noFollow is a client that shows redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// webRequest sends a request to the server at base with the given Host
// header (empty: base's) and returns the response with its body read.
func webRequest(t *testing.T, method, base, path, host string, header http.Header, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := noFollow.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// dialWSAs opens a WebSocket to addr (host:port) with the Host and Origin a
// page chooses, as a browser sends them after DNS rebinding.
func dialWSAs(addr, host, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{"Host": {host}, "Origin": {origin}, "Cookie": {"pg_learner=" + testLearner}}
	return websocket.DefaultDialer.Dial("ws://"+addr+"/ws", h)
}

func TestWebTierRefusesForeignHostsAndOffsiteLinks(t *testing.T) {
	requireSandbox(t)
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns}
	base, _ := startServe(t, o)
	addr := strings.TrimPrefix(base, "http://")
	_, port, _ := net.SplitHostPort(addr)
	rebound := "evil.example:" + port

	t.Run("a WebSocket for a rebound name is refused though its Origin matches", func(t *testing.T) {
		conn, res, err := dialWSAs(addr, rebound, "http://"+rebound)
		if err == nil {
			conn.Close()
			t.Fatal("the handshake was accepted: a page of evil.example can run programs here")
		}
		if res == nil || res.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("response %v, want 421", res)
		}
	})

	t.Run("pages and forms for a rebound name get a plain 421", func(t *testing.T) {
		for _, r := range []struct{ method, path string }{{"GET", "/"}, {"GET", "/lessons/" + testLesson}, {"POST", "/nickname"}, {"POST", "/teacher"}} {
			res, body := webRequest(t, r.method, base, r.path, rebound, http.Header{"Origin": {"http://" + rebound}}, url.Values{"nickname": {"x"}})
			if res.StatusCode != http.StatusMisdirectedRequest || !strings.HasSuffix(strings.TrimSpace(body), ".") || strings.Contains(body, "<") {
				t.Errorf("%s %s: %s %.80q", r.method, r.path, res.Status, body)
			}
		}
	})

	t.Run("its own addresses are answered", func(t *testing.T) {
		for _, host := range []string{addr, "localhost:" + port, "[::1]:" + port} {
			conn, res, err := dialWSAs(addr, host, "http://"+host)
			if err != nil {
				t.Errorf("Host %s: %v %v", host, err, res)
				continue
			}
			conn.Close()
		}
	})

	t.Run("the nickname form's back leads only to a page of this site", func(t *testing.T) {
		for back, want := range map[string]string{
			"/\t/evil.example":       "/",
			"/a/../\\evil.example":   "/",
			"//evil.example":         "/",
			"/%5Cevil.example":       "/",
			"https://evil.example":   "/",
			"/lessons/" + testLesson: "/lessons/" + testLesson,
		} {
			res, _ := webRequest(t, "POST", base, "/nickname", "", http.Header{"Origin": {base}, "Cookie": {"pg_learner=" + testLearner}},
				url.Values{"nickname": {"Ada"}, "back": {back}})
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != want {
				t.Errorf("back %q: %s to %q, want %q", back, res.Status, loc, want)
			}
		}
	})

	t.Run("the language links of the not-found page lead home", func(t *testing.T) {
		for _, p := range []string{"/%5Cevil.example", "/%5C%5Cevil.example/x", "/%09/evil.example"} {
			res, body := webRequest(t, "GET", base, p, "", nil, nil)
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
			if res.StatusCode != http.StatusNotFound || err != nil {
				t.Fatalf("%s: %s %v", p, res.Status, err)
			}
			links := doc.Find(`[data-testid="lang-switch"] a`)
			if links.Length() == 0 {
				t.Fatalf("%s: no language links", p)
			}
			links.Each(func(_ int, a *goquery.Selection) {
				if href := a.AttrOr("href", ""); !strings.HasPrefix(href, "/?lang=") {
					t.Errorf("%s: language link %q", p, href)
				}
			})
		}
	})

	t.Run("behind a proxy the public URL's name is answered", func(t *testing.T) {
		o := o
		o.DB = filepath.Join(t.TempDir(), "runs.db")
		o.PublicURL = "https://play.example.org"
		base, _ := startServe(t, o)
		addr := strings.TrimPrefix(base, "http://")
		for _, host := range []string{"play.example.org", addr} {
			conn, res, err := dialWSAs(addr, host, "https://play.example.org")
			if err != nil {
				t.Errorf("Host %s: %v %v", host, err, res)
				continue
			}
			conn.Close()
		}
		if res, _ := webRequest(t, "GET", base, "/", "play.example.org.evil.example", nil, nil); res.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("another name: %s", res.Status)
		}
	})

	t.Run("a public URL that is not one stops the server with a sentence", func(t *testing.T) {
		o := o
		o.DB = filepath.Join(t.TempDir(), "runs.db")
		o.PublicURL = "play.example.org/app"
		err := serve(t.Context(), o, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		if err == nil || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("serve: %v", err)
		}
	})
}

func TestWebTierThrottlesTeacherSignInAndKeepsSessionsServerSide(t *testing.T) {
	requireSandbox(t)
	const token = "class-7b-token"
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, TeacherToken: token}

	signIn := func(t *testing.T, base string) *http.Cookie {
		t.Helper()
		res, body := webRequest(t, "POST", base, "/teacher", "", http.Header{"Origin": {base}}, url.Values{"token": {token}})
		for _, c := range res.Cookies() {
			if c.Name == "pg_teacher" && res.StatusCode == http.StatusSeeOther {
				return c
			}
		}
		t.Fatalf("sign in: %s %q", res.Status, body)
		return nil
	}
	canSee := func(t *testing.T, base string, c *http.Cookie) bool {
		res, _ := webRequest(t, "GET", base, "/teacher/runs", "", http.Header{"Cookie": {c.Name + "=" + c.Value}}, nil)
		return res.StatusCode == http.StatusOK
	}

	t.Run("guesses are throttled, then even the right token waits", func(t *testing.T) {
		base, _ := startServe(t, o)
		for i := range 5 {
			if res, _ := webRequest(t, "POST", base, "/teacher", "", http.Header{"Origin": {base}}, url.Values{"token": {"guess"}}); res.StatusCode != http.StatusForbidden {
				t.Fatalf("guess %d: %s", i+1, res.Status)
			}
		}
		res, body := webRequest(t, "GET", base, "/teacher?token="+token, "", nil, nil)
		if res.StatusCode != http.StatusTooManyRequests || strings.TrimSpace(body) != "Too many attempts; try again in 12 seconds." {
			t.Errorf("after 5 guesses: %s %q", res.Status, body)
		}
	})

	t.Run("a session is a random id, ended by sign-out and by a restart", func(t *testing.T) {
		o := o
		o.DB = filepath.Join(t.TempDir(), "runs.db")
		base, stop := startServe(t, o)
		a, b := signIn(t, base), signIn(t, base)
		sum := sha256.Sum256([]byte("mpplayground teacher cookie\x00" + token))
		if a.Value == b.Value || a.Value == hex.EncodeToString(sum[:]) || len(a.Value) < 32 {
			t.Errorf("cookies %q and %q: not random ids", a.Value, b.Value)
		}
		if !a.HttpOnly || a.SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie %+v", a)
		}
		if !canSee(t, base, a) || !canSee(t, base, b) {
			t.Fatal("a fresh session is refused")
		}
		webRequest(t, "POST", base, "/teacher/signout", "", http.Header{"Origin": {base}, "Cookie": {a.Name + "=" + a.Value}}, nil)
		if canSee(t, base, a) || !canSee(t, base, b) {
			t.Error("sign-out did not end exactly its own session")
		}
		stop()
		base, _ = startServe(t, o)
		if canSee(t, base, b) {
			t.Error("a session outlived the server")
		}
	})
}

// localNonLoopbackIP is an address of this machine that is not loopback:
// connections from it count as a client on the network.
func localNonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP.String()
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no non-loopback IPv4 address on this machine")
	}
	t.Skip("no non-loopback IPv4 address on this machine")
	return ""
}

func TestWebTierCapsWebSocketsPerAddress(t *testing.T) {
	requireSandbox(t)
	const maxConns = 256 // web.maxConnsPerClient
	ip := localNonLoopbackIP(t)
	o := serveOptions{Addr: net.JoinHostPort(ip, "0"), DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns}
	base, _ := startServe(t, o)
	addr := strings.TrimPrefix(base, "http://")

	var conns []*websocket.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range maxConns {
		c, res, err := dialWSAs(addr, addr, base)
		if err != nil {
			t.Fatalf("connection %d of one address: %v %v", i+1, err, res)
		}
		conns = append(conns, c)
	}
	_, res, err := dialWSAs(addr, addr, base)
	if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("connection %d of one address: %v %v, want 429", maxConns+1, err, res)
	}
	body, _ := io.ReadAll(res.Body)
	if s := strings.TrimSpace(string(body)); !strings.HasSuffix(s, ".") || !strings.Contains(s, "Too many") {
		t.Errorf("the refusal says %q", s)
	}

	// A connection that ends gives its place back.
	conns[0].Close()
	conns = conns[1:]
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, _, err := dialWSAs(addr, addr, base)
		if err == nil {
			conns = append(conns, c)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed connection still counts after 5 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

}
