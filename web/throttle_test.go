package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTeacherSignInIsThrottled(t *testing.T) {
	t.Run("AFewAttemptsThenOneEveryInterval", func(t *testing.T) {
		now := time.Unix(1_700_000_000, 0)
		th := newThrottle(signInBurst, signInEvery, maxThrottledClients)
		th.now = func() time.Time { return now }
		for i := range signInBurst {
			if ok, _ := th.allow("203.0.113.9"); !ok {
				t.Fatalf("attempt %d refused", i+1)
			}
		}
		ok, wait := th.allow("203.0.113.9")
		if ok || wait != signInEvery {
			t.Fatalf("attempt %d: allowed %v, wait %v; want a refusal for %v", signInBurst+1, ok, wait, signInEvery)
		}
		if ok, _ := th.allow("198.51.100.4"); !ok {
			t.Error("another address shares the bucket")
		}
		now = now.Add(signInEvery)
		if ok, _ := th.allow("203.0.113.9"); !ok {
			t.Error("no attempt came back after the interval")
		}
		if ok, _ := th.allow("203.0.113.9"); ok {
			t.Error("more than one attempt came back after one interval")
		}
	})

	t.Run("ManyAddressesAreForgottenNotKeptForever", func(t *testing.T) {
		now := time.Unix(1_700_000_000, 0)
		th := newThrottle(signInBurst, signInEvery, 100)
		th.now = func() time.Time { return now }
		for i := range 1000 {
			th.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
			if len(th.full) > 100 {
				t.Fatalf("%d addresses kept, the cap is 100", len(th.full))
			}
		}
	})

	t.Run("TheServerAnswers429WithASentence", func(t *testing.T) {
		_, base := MustStoredServer(t, MustStore(t), Config{Executor: idleExecutor, TeacherToken: teacherToken})
		for i := range signInBurst {
			if res := postForm(t, base+"/teacher", url.Values{"token": {"guess"}}, base); res.StatusCode != http.StatusForbidden {
				t.Fatalf("attempt %d: %s", i+1, res.Status)
			}
		}
		// The right token too is refused now: a throttled answer says
		// nothing about the token.
		for _, try := range []func() *http.Response{
			func() *http.Response {
				req, _ := http.NewRequest("POST", base+"/teacher", strings.NewReader(url.Values{"token": {teacherToken}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				return res
			},
			func() *http.Response {
				res, err := noRedirect.Get(base + "/teacher?token=" + teacherToken)
				if err != nil {
					t.Fatal(err)
				}
				return res
			},
		} {
			res := try()
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusTooManyRequests || strings.TrimSpace(string(body)) != "Too many attempts; try again in 12 seconds." ||
				res.Header.Get("Retry-After") != "12" {
				t.Errorf("%s %q (Retry-After %q)", res.Status, body, res.Header.Get("Retry-After"))
			}
			for _, c := range res.Cookies() {
				if c.Name == teacherCookie {
					t.Error("a throttled attempt got the cookie")
				}
			}
		}
	})
}

func TestTeacherClientKey(t *testing.T) {
	for addr, want := range map[string]string{
		"203.0.113.9:5000":                "203.0.113.9",
		"[::ffff:203.0.113.9]:5000":       "203.0.113.9",
		"[2001:db8:1:2:aaaa::1]:443":      "2001:db8:1:2::/64",
		"[2001:db8:1:2:bbbb::9%eth0]:443": "2001:db8:1:2::/64",
	} {
		if got, loop := clientKey(addr); got != want || loop {
			t.Errorf("clientKey(%q) = %q, %v; want %q", addr, got, loop, want)
		}
	}
	for _, addr := range []string{"127.0.0.1:80", "127.3.2.1:80", "[::1]:80"} {
		if _, loop := clientKey(addr); !loop {
			t.Errorf("%s is not taken for this machine", addr)
		}
	}
}
