package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestTeacherSessions(t *testing.T) {
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Executor: idleExecutor, TeacherToken: teacherToken})

	signIn := func(tb testing.TB, base string) *http.Cookie {
		tb.Helper()
		res := postForm(tb, base+"/teacher", url.Values{"token": {teacherToken}}, base)
		if res.StatusCode != http.StatusSeeOther {
			tb.Fatalf("sign in: %s", res.Status)
		}
		return teacherCookieOf(tb, res)
	}
	canSee := func(base string, c *http.Cookie) bool {
		res, _ := MustGet(t, nil, base+"/teacher/runs", "Cookie", c.Name+"="+c.Value)
		return res.StatusCode == http.StatusOK
	}

	t.Run("EachSignInGetsARandomIdNotDerivedFromTheToken", func(t *testing.T) {
		a, b := signIn(t, base), signIn(t, base)
		if a.Value == b.Value {
			t.Error("two sign-ins got the same cookie")
		}
		sum := sha256.Sum256([]byte("mpplayground teacher cookie\x00" + teacherToken))
		for _, c := range []*http.Cookie{a, b} {
			if len(c.Value) < 32 || c.Value == teacherToken || c.Value == hex.EncodeToString(sum[:]) {
				t.Errorf("cookie %q", c.Value)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.MaxAge != int(teacherSessionAge.Seconds()) {
				t.Errorf("cookie %+v", c)
			}
			if !canSee(base, c) {
				t.Error("a fresh session is refused")
			}
		}
	})

	t.Run("SigningOutEndsTheSession", func(t *testing.T) {
		c, other := signIn(t, base), signIn(t, base)
		req, _ := http.NewRequest("POST", base+"/teacher/signout", nil)
		req.Header.Set("Origin", base)
		req.Header.Set("Cookie", c.Name+"="+c.Value)
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || teacherCookieOf(t, res).MaxAge >= 0 {
			t.Errorf("sign-out: %s, cookie %+v", res.Status, teacherCookieOf(t, res))
		}
		if canSee(base, c) {
			t.Error("the session still opens the view after sign-out")
		}
		if !canSee(base, other) {
			t.Error("signing out one browser ended another's session")
		}
		req, _ = http.NewRequest("POST", base+"/teacher/signout", nil)
		req.Header.Set("Origin", "http://evil.example")
		req.Header.Set("Cookie", other.Name+"="+other.Value)
		res, _ = noRedirect.Do(req)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || !canSee(base, other) {
			t.Errorf("another site's sign-out form: %s", res.Status)
		}
	})

	t.Run("ASessionEndsWithTheServer", func(t *testing.T) {
		c := signIn(t, base)
		_, restarted := MustStoredServer(t, db, Config{Executor: idleExecutor, TeacherToken: teacherToken})
		if canSee(restarted, c) {
			t.Error("a session of the previous server opens the view")
		}
		_, changed := MustStoredServer(t, db, Config{Executor: idleExecutor, TeacherToken: "another-token"})
		if canSee(changed, c) {
			t.Error("a session outlived a change of token")
		}
	})

	t.Run("ASessionExpires", func(t *testing.T) {
		now := time.Unix(1_700_000_000, 0)
		ts := newTeacherSessions()
		ts.now = func() time.Time { return now }
		id := ts.create(defaultTeacherName)
		now = now.Add(teacherSessionAge - time.Second)
		if !ts.valid(id) {
			t.Fatal("the session ended early")
		}
		now = now.Add(time.Second)
		if ts.valid(id) {
			t.Error("the session outlived teacherSessionAge")
		}
	})

	t.Run("TheSessionsKeptAreBounded", func(t *testing.T) {
		now := time.Unix(1_700_000_000, 0)
		ts := newTeacherSessions()
		ts.now = func() time.Time { now = now.Add(time.Millisecond); return now }
		first := ts.create(defaultTeacherName)
		for range 2 * maxTeacherSessions {
			ts.create(defaultTeacherName)
		}
		if len(ts.expires) > maxTeacherSessions || ts.valid(first) {
			t.Errorf("%d sessions kept; the oldest is valid: %v", len(ts.expires), ts.valid(first))
		}
	})

	t.Run("TheCookieIsHTTPSOnlyBehindAnHTTPSPublicURL", func(t *testing.T) {
		_, secure := MustStoredServer(t, db, Config{Executor: idleExecutor, TeacherToken: teacherToken, PublicURL: "https://play.example.org"})
		if c := signIn(t, secure); !c.Secure {
			t.Errorf("cookie %+v", c)
		}
	})
}
