package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"mpplayground/event"
)

const teacherToken = "class-7b-token"

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// teacherClient is a browser of a signed-in teacher: it has the cookie.
func teacherClient(tb testing.TB, base string) *http.Client {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/teacher?token=" + url.QueryEscape(teacherToken))
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.RawQuery != "" {
		tb.Fatalf("sign in with ?token=: %s at %s", res.Status, res.Request.URL)
	}
	return c
}

func setNickname(tb testing.TB, base, learner, nick string) {
	tb.Helper()
	req, _ := http.NewRequest("POST", base+"/nickname", strings.NewReader(url.Values{"nickname": {nick}, "back": {"/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", learnerCookie+"="+learner)
	res, err := noRedirect.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		tb.Fatalf("set nickname: %s", res.Status)
	}
}

func TestTeacherViewIsOffWithoutAToken(t *testing.T) {
	_, base := MustStoredServer(t, MustStore(t), Config{})
	for _, p := range []string{"/teacher", "/teacher?token=anything", "/teacher/runs"} {
		res, doc := MustGet(t, nil, base+p)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", p, res.Status)
		}
		if doc != nil && byTestID(doc, "teacher-off").Length() != 1 {
			t.Errorf("GET %s does not say the view is off", p)
		}
	}
}

func TestTeacherViewNeedsTheToken(t *testing.T) {
	_, base := MustStoredServer(t, MustStore(t), Config{TeacherToken: teacherToken})

	t.Run("WithoutTheTokenThePageIsRefusedWithASignInForm", func(t *testing.T) {
		res, doc := MustGet(t, nil, base+"/teacher")
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s, want 403", res.Status)
		}
		if byTestID(doc, "teacher-login-form").Length() != 1 || byTestID(doc, "teacher-token").AttrOr("type", "") != "password" {
			t.Error("no sign-in form with a password field")
		}
		if byTestID(doc, "teacher-runs").Length() != 0 || byTestID(doc, "teacher-wrong").Length() != 0 {
			t.Error("the refusal shows runs or says a token was wrong")
		}
		if res, _ := MustGet(t, nil, base+"/teacher/runs"); res.StatusCode != http.StatusForbidden {
			t.Errorf("the list alone: %s, want 403", res.Status)
		}
	})

	t.Run("AWrongTokenIsRefused", func(t *testing.T) {
		res, doc := MustGet(t, noRedirect, base+"/teacher?token=class-7b-tokem")
		if res.StatusCode != http.StatusForbidden || byTestID(doc, "teacher-wrong").Length() != 1 {
			t.Errorf("?token= wrong: %s", res.Status)
		}
		if len(res.Cookies()) != 0 && res.Cookies()[0].Name == teacherCookie {
			t.Error("a wrong token got the cookie")
		}
		res = postForm(t, base+"/teacher", url.Values{"token": {teacherToken + "x"}}, base)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("sign-in with a wrong token: %s", res.Status)
		}
	})

	t.Run("AForgedCookieIsRefused", func(t *testing.T) {
		for _, v := range []string{teacherToken, "0000", ""} {
			res, _ := MustGet(t, nil, base+"/teacher/runs", "Cookie", teacherCookie+"="+v)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("cookie %q: %s", v, res.Status)
			}
		}
	})

	t.Run("TheTokenInALinkSignsInOnceAndLeavesTheAddress", func(t *testing.T) {
		res, _ := MustGet(t, noRedirect, base+"/teacher?token="+teacherToken)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/teacher" {
			t.Fatalf("%s to %q", res.Status, res.Header.Get("Location"))
		}
		c := teacherCookieOf(t, res)
		if c.Value == teacherToken || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.MaxAge <= 0 {
			t.Errorf("cookie %+v", c)
		}
		res, doc := MustGet(t, nil, base+"/teacher", "Cookie", c.Name+"="+c.Value)
		if res.StatusCode != 200 || byTestID(doc, "teacher-runs").Length() != 1 {
			t.Errorf("with the cookie: %s", res.Status)
		}
	})

	t.Run("TheSignInFormSetsTheCookie", func(t *testing.T) {
		res := postForm(t, base+"/teacher", url.Values{"token": {teacherToken}}, base)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s", res.Status)
		}
		teacherCookieOf(t, res)
		if res := postForm(t, base+"/teacher", url.Values{"token": {teacherToken}}, "http://elsewhere.example"); res.StatusCode != http.StatusForbidden {
			t.Errorf("a form from another site: %s", res.Status)
		}
	})
}

func postForm(tb testing.TB, u string, v url.Values, origin string) *http.Response {
	tb.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	res, err := noRedirect.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	return res
}

func teacherCookieOf(tb testing.TB, res *http.Response) *http.Cookie {
	tb.Helper()
	for _, c := range res.Cookies() {
		if c.Name == teacherCookie {
			return c
		}
	}
	tb.Fatalf("no %s cookie", teacherCookie)
	return nil
}

func TestTeacherViewShowsTheClassRuns(t *testing.T) {
	_, ex := mustCourseExercise(t)
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Catalog: realCourse(t), Checker: realCourse(t), TeacherToken: teacherToken})
	teacher := teacherClient(t, base)

	_, doc := MustGet(t, teacher, base+"/teacher")
	if byTestID(doc, "teacher-empty").Length() != 1 || byTestID(doc, "teacher-run").Length() != 0 {
		t.Error("an empty class does not say so")
	}

	setNickname(t, base, ada, "Ada L.")
	adaRun, _, _, _ := runOver(t, base, ada, map[string]any{"type": "run", "lesson": checksLesson, "exercise": checksExercise, "code": ex.Solution})
	bobRun, bobEvents, _, _ := runOver(t, base, bob, runMsg(checksLesson, "import sys\nsys.exit(3)\n"))
	if bobEvents[len(bobEvents)-1].Status != event.StatusError {
		t.Fatalf("bob's run: %+v", bobEvents[len(bobEvents)-1])
	}

	res, doc := MustGet(t, teacher, base+"/teacher")
	if res.StatusCode != 200 {
		t.Fatal(res.Status)
	}
	rows := byTestID(doc, "teacher-run")

	t.Run("NewestFirst", func(t *testing.T) {
		if rows.Length() != 2 || rows.Eq(0).AttrOr("data-run", "") != bobRun || rows.Eq(1).AttrOr("data-run", "") != adaRun {
			t.Fatalf("%d rows; want bob's run then ada's", rows.Length())
		}
	})

	t.Run("NicknameLessonExerciseResultAndStatus", func(t *testing.T) {
		a := rows.Eq(1)
		if n := strings.TrimSpace(a.Find(`[data-testid=teacher-nickname]`).Text()); n != "Ada L." {
			t.Errorf("nickname %q", n)
		}
		lesson := a.Find(`[data-testid=teacher-lesson]`)
		if lesson.AttrOr("data-lesson", "") != checksLesson || !strings.Contains(lesson.Text(), ex.Title.In("en")) {
			t.Errorf("lesson cell %q", lesson.Text())
		}
		if a.Find(`[data-testid=teacher-passed]`).Length() != 1 {
			t.Error("the solution is not shown as passed")
		}
		if s := a.Find(`[data-testid=teacher-status]`).Text(); s != "ok" || a.AttrOr("data-status", "") != "ok" {
			t.Errorf("status %q", s)
		}
		if a.Find(`[data-testid=teacher-time]`).AttrOr("datetime", "") == "" {
			t.Error("no time")
		}
	})

	t.Run("ALearnerWithoutANicknameIsAnonymousWithATag", func(t *testing.T) {
		b := rows.Eq(0)
		who := b.Find(`[data-testid=teacher-anonymous]`).Text()
		if !strings.Contains(who, "anonymous") || !strings.Contains(who, learnerTag(bob)) || strings.Contains(doc.Text(), bob[:8]) {
			t.Errorf("learner cell %q", who)
		}
		if b.Find(`[data-testid=teacher-failed]`).Length() != 1 || b.AttrOr("data-status", "") != "error" {
			t.Error("bob's failing run is not shown as failed")
		}
	})

	t.Run("TheTeacherOpensAnyRun", func(t *testing.T) {
		href := rows.Eq(1).Find(`[data-testid=teacher-open]`).AttrOr("href", "")
		if href != "/runs/"+adaRun {
			t.Fatalf("link %q", href)
		}
		res, doc := MustGet(t, teacher, base+href)
		if res.StatusCode != 200 || byTestID(doc, "replay").Length() != 1 {
			t.Errorf("open ada's run as the teacher: %s", res.Status)
		}
	})

	t.Run("TheRowsAloneForThePoll", func(t *testing.T) {
		res, err := teacher.Get(base + "/teacher/runs")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		// The rows go into the page's table, as the script puts them.
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<table><tbody>" + string(body) + "</tbody></table>"))
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 || byTestID(doc, "teacher-run").Length() != 2 || byTestID(doc, "teacher-feed").Length() != 0 {
			t.Errorf("%s, %d rows", res.Status, byTestID(doc, "teacher-run").Length())
		}
		if res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
		}
	})

	t.Run("InChinese", func(t *testing.T) {
		_, doc := MustGet(t, teacher, base+"/teacher?lang=zh")
		if h := doc.Find("h1").Text(); !hasHan(h) {
			t.Errorf("heading %q", h)
		}
		if s := byTestID(doc, "teacher-anonymous").Text(); !hasHan(s) {
			t.Errorf("anonymous %q", s)
		}
	})

	t.Run("ThePageHasTheFeedAndItsScript", func(t *testing.T) {
		feed := byTestID(doc, "teacher-feed")
		if feed.AttrOr("data-teacher-feed", "") != "/teacher/runs" || feed.AttrOr("data-every", "") == "" {
			t.Error("no feed to poll")
		}
		if doc.Find(`script[src^="/static/js/teacher.js"]`).Length() != 1 || doc.Find(`link[href^="/static/css/teacher.css"]`).Length() != 1 {
			t.Error("the script or the style sheet is missing")
		}
	})
}
