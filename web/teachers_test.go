package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestParseTeachers(t *testing.T) {
	t.Run("ANameAndATokenPerLine", func(t *testing.T) {
		got, err := ParseTeachers(strings.NewReader("# the science team\n\nwang  wang-token-0123456789\n  li\tli-token-9876543210abc  \n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != (Teacher{"wang", "wang-token-0123456789"}) || got[1] != (Teacher{"li", "li-token-9876543210abc"}) {
			t.Errorf("got %+v", got)
		}
	})
	for _, bad := range []struct{ name, file, says string }{
		{"AShortToken", "wang short\n", "line 1"},
		{"ALineWithoutAToken", "wang\n", "line 1"},
		{"ALineWithThreeWords", "# x\nwang a b\n", "line 2"},
		{"ANameTwice", "wang wang-token-0123456789\nwang other-token-0123456789\n", "named twice"},
		{"ATokenTwice", "wang wang-token-0123456789\nli wang-token-0123456789\n", "another teacher"},
		{"NoTeacher", "# nobody\n", "no teacher"},
		{"ANameWithADash", "--teacher-token wang-token-0123456789\n", "dash"},
	} {
		t.Run("Refuses"+bad.name, func(t *testing.T) {
			_, err := ParseTeachers(strings.NewReader(bad.file))
			if err == nil || !strings.Contains(err.Error(), bad.says) {
				t.Errorf("err %v, want one saying %q", err, bad.says)
			}
		})
	}
}

func TestTeachersSignInWithTheirOwnTokens(t *testing.T) {
	teachers := []Teacher{{"wang", "wang-token-0123456789"}, {"li", "li-token-9876543210abc"}}
	_, base := MustStoredServer(t, MustStore(t), Config{Executor: idleExecutor, Teachers: teachers})
	signIn := func(tb testing.TB, token string) (*http.Cookie, int) {
		tb.Helper()
		res := postForm(tb, base+"/teacher", url.Values{"token": {token}}, base)
		if res.StatusCode != http.StatusSeeOther {
			return nil, res.StatusCode
		}
		return teacherCookieOf(tb, res), res.StatusCode
	}
	canSee := func(c *http.Cookie) bool {
		res, _ := MustGet(t, nil, base+"/teacher/runs", "Cookie", c.Name+"="+c.Value)
		return res.StatusCode == http.StatusOK
	}

	// Sign-ins are throttled (signInBurst at once): the test makes four.
	cookies := map[string]*http.Cookie{}
	t.Run("EachTokenOpensTheView", func(t *testing.T) {
		for _, tc := range teachers {
			c, code := signIn(t, tc.Token)
			if c == nil || !canSee(c) {
				t.Fatalf("%s: sign-in %d", tc.Name, code)
			}
			cookies[tc.Name] = c
		}
	})
	t.Run("NoOtherTokenDoes", func(t *testing.T) {
		if c, code := signIn(t, teacherToken); c != nil || code != http.StatusForbidden {
			t.Errorf("an unknown token: %d", code)
		}
	})
	t.Run("SigningOutEverywhereEndsOnlyThatTeachersSessions", func(t *testing.T) {
		wang1, li := cookies["wang"], cookies["li"]
		wang2, code := signIn(t, teachers[0].Token)
		if wang1 == nil || li == nil || wang2 == nil {
			t.Fatalf("signed in: %v %v %v (%d)", wang1, li, wang2, code)
		}
		req, _ := http.NewRequest("POST", base+"/teacher/signout", strings.NewReader("everywhere=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		req.Header.Set("Cookie", wang1.Name+"="+wang1.Value)
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if canSee(wang1) || canSee(wang2) {
			t.Error("a session of wang survived signing out everywhere")
		}
		if !canSee(li) {
			t.Error("li's session ended with wang's")
		}
	})
}

func TestANewTeachersListEndsTheSessionsOfTeachersTakenOut(t *testing.T) {
	wang, li := Teacher{"wang", "wang-token-0123456789"}, Teacher{"li", "li-token-9876543210abc"}
	app, base := MustStoredServer(t, MustStore(t), Config{Executor: idleExecutor, Teachers: []Teacher{wang, li}, TeacherToken: teacherToken})
	signIn := func(token string) *http.Cookie {
		t.Helper()
		res := postForm(t, base+"/teacher", url.Values{"token": {token}}, base)
		if res.StatusCode != http.StatusSeeOther {
			return nil
		}
		return teacherCookieOf(t, res)
	}
	canSee := func(c *http.Cookie) bool {
		res, _ := MustGet(t, nil, base+"/teacher/runs", "Cookie", c.Name+"="+c.Value)
		return res.StatusCode == http.StatusOK
	}
	w, l, tok := signIn(wang.Token), signIn(li.Token), signIn(teacherToken)
	if w == nil || l == nil || tok == nil {
		t.Fatal("a sign-in failed")
	}
	app.SetTeachers([]Teacher{{"li", li.Token}, {"zhao", "zhao-token-0123456789"}})
	if canSee(w) {
		t.Error("a teacher taken out of the list kept their session")
	}
	if !canSee(l) || !canSee(tok) {
		t.Error("a teacher still listed, or the --teacher-token teacher, lost their session")
	}
	if signIn(wang.Token) != nil {
		t.Error("the old token of a teacher taken out still signs in")
	}
	if signIn("zhao-token-0123456789") == nil {
		t.Error("a teacher added by the new list cannot sign in")
	}
}
