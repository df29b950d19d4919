package web

import (
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// learnerOf returns the anonymous learner id a browser was given.
func learnerOf(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == learnerCookie {
			return c.Value
		}
	}
	t.Fatal("the browser has no learner cookie")
	return ""
}

// cellJS is an expression for the grid's cell of the member named name
// at the checks' exercise, or null.
func cellJS(name string) string {
	return `(() => { const row = [...document.querySelectorAll('[data-testid=grid-row]')]` +
		`.find(r => r.querySelector('[data-testid=grid-member]').textContent === ` + jsString(name) + `);` +
		` return row ? row.querySelector('[data-testid=grid-cell][data-exercise="` + checksExercise + `"]') : null; })()`
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func TestBrowserClassroom(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	_, ex := mustCourseExercise(t)
	course := realCourse(t)
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Catalog: course, Checker: course, TeacherToken: teacherToken})
	dir := artifactsDir(t)
	teacher := newBrowser(t)
	learner := newBrowser(t)

	var code, link string
	t.Run("TheTeacherCreatesAClass", func(t *testing.T) {
		do(t, teacher,
			chromedp.Navigate(base+"/teacher?token="+url.QueryEscape(teacherToken)),
			chromedp.WaitVisible(css("[data-testid=teacher-classes]")),
			chromedp.Click(css("[data-testid=teacher-classes]")),
			chromedp.WaitVisible(css("[data-testid=class-create]")),
			chromedp.SendKeys(css("[data-testid=class-name]"), "7B 物理"),
			chromedp.Click(css("[data-testid=class-create-button]")),
			chromedp.WaitVisible(css("[data-testid=class-code]")),
			waitJS(`document.querySelector('[data-testid=grid-state]').dataset.state === 'live'`),
			waitJS(`!!document.querySelector('[data-testid=grid-empty]')`),
		)
		code = eval[string](t, teacher, `document.querySelector('[data-testid=class-code]').textContent.trim()`)
		link = eval[string](t, teacher, `document.querySelector('[data-testid=class-join-link]').href`)
		if len(code) != 8 || link != base+"/join/"+code {
			t.Fatalf("code %q, link %q", code, link)
		}
	})

	var li, wu string
	t.Run("ALearnerJoinsByTheLink", func(t *testing.T) {
		do(t, learner,
			chromedp.Navigate(link),
			chromedp.WaitVisible(css("[data-testid=join-name]")),
			chromedp.SendKeys(css("[data-testid=join-name]"), "李明"),
			chromedp.Click(css("[data-testid=join-submit]")),
			chromedp.WaitVisible(css("[data-testid=join-done]")),
		)
		li = learnerOf(t, learner, base)
		do(t, teacher, waitJS(cellJS("李明")+` === null && [...document.querySelectorAll('[data-testid=grid-member]')].some(e => e.textContent === '李明')`))
	})
	t.Run("AnotherJoinsByTheCodeOnTheHomePage", func(t *testing.T) {
		if _, err := chromedp.Call(learner, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		do(t, learner,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(css("[data-testid=home-join-code]")),
			chromedp.SendKeys(css("[data-testid=home-join-code]"), strings.ToLower(code[:4])+" "+strings.ToLower(code[4:])),
			chromedp.Click(css("[data-testid=home-join] button")),
			chromedp.WaitVisible(css("[data-testid=join-name]")),
			chromedp.SendKeys(css("[data-testid=join-name]"), "Wu"),
			chromedp.Click(css("[data-testid=join-submit]")),
			chromedp.WaitVisible(css("[data-testid=join-done]")),
		)
		wu = learnerOf(t, learner, base)
		if wu == li {
			t.Fatal("the two learners have one id")
		}
		do(t, teacher, waitJS(`document.querySelectorAll('[data-testid=grid-row]').length === 2`),
			waitJS(`!document.querySelector('[data-testid=members-stale]').hidden`))
	})

	run := func(learner, program string) {
		t.Helper()
		runOver(t, base, learner, map[string]any{"type": "run", "lesson": checksLesson, "exercise": checksExercise, "code": program})
	}
	t.Run("RunsUpdateTheGridLive", func(t *testing.T) {
		updated := eval[string](t, teacher, `document.querySelector('[data-class-grid]').dataset.updated || '0'`)
		run(li, ex.Starter)
		start := time.Now()
		do(t, teacher, waitJS(cellJS("李明")+`?.dataset.attempts === '1'`))
		t.Logf("the grid showed the run %v after it ended", time.Since(start).Round(time.Millisecond))
		if eval[string](t, teacher, cellJS("李明")+`.dataset.passed`) != "false" {
			t.Error("the starter passed")
		}
		run(li, ex.Solution)
		run(wu, "import sys\nsys.exit(3)\n")
		do(t, teacher,
			waitJS(cellJS("李明")+`?.dataset.passed === 'true' && `+cellJS("李明")+`.dataset.attempts === '2'`),
			waitJS(cellJS("Wu")+`?.dataset.attempts === '1'`),
		)
		if now := eval[string](t, teacher, `document.querySelector('[data-class-grid]').dataset.updated`); now == updated {
			t.Error("the grid was not pushed")
		}
		if eval[string](t, teacher, `location.pathname`) != eval[string](t, teacher, `new URL(document.querySelector('[data-testid=grid-csv]').href).pathname.replace('/progress.csv', '')`) {
			t.Error("the page was reloaded")
		}
		screenshot(t, teacher, dir, "class-grid.png")
	})
	t.Run("FilterAndSort", func(t *testing.T) {
		// set gives a control of the grid a value, as a learner's typing
		// or choosing does.
		set := func(testid, value string) chromedp.Action[chromedp.Void] {
			return chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector('[data-testid=` + testid + `]');` +
				` e.value = ` + jsString(value) + `; e.dispatchEvent(new Event('input')); e.dispatchEvent(new Event('change')); })()`)
		}
		do(t, teacher, set("grid-filter", "李"), waitJS(`document.querySelectorAll('[data-testid=grid-row]').length === 1`))
		do(t, teacher, set("grid-filter", "nobody"), waitJS(`!!document.querySelector('[data-testid=grid-empty]')`))
		do(t, teacher, set("grid-filter", ""), waitJS(`document.querySelectorAll('[data-testid=grid-row]').length === 2`))
		do(t, teacher, set("grid-sort", "passed"),
			waitJS(`document.querySelector('[data-testid=grid-row] [data-testid=grid-member]').textContent === '李明'`))
		do(t, teacher, set("grid-sort", "name"),
			waitJS(`document.querySelector('[data-testid=grid-row] [data-testid=grid-member]').textContent === 'Wu'`))
	})
	t.Run("ACellOpensTheAttemptsNewestFirst", func(t *testing.T) {
		do(t, teacher,
			chromedp.Evaluate[chromedp.Void](cellJS("李明")+`.click()`),
			chromedp.WaitVisible(css("[data-testid=attempt]")),
		)
		statuses := eval[[]string](t, teacher, `[...document.querySelectorAll('[data-testid=attempt]')].map(a => a.querySelector('[data-testid=attempt-passed],[data-testid=attempt-failed]').dataset.testid)`)
		if len(statuses) != 2 || statuses[0] != "attempt-passed" || statuses[1] != "attempt-failed" {
			t.Errorf("attempts %v, want the pass then the failure", statuses)
		}
		if n := eval[int](t, teacher, `document.querySelectorAll('[data-testid=attempt] [data-testid=diff-starter]').length`); n != 2 {
			t.Errorf("%d diffs against the starter", n)
		}
		if !eval[bool](t, teacher, `!!document.querySelector('[data-testid=attempt] [data-testid=diff-previous], [data-testid=diff-previous-same]')`) {
			t.Error("no diff against the attempt before")
		}
		if href := eval[string](t, teacher, `document.querySelector('[data-testid=attempt-replay]').getAttribute('href')`); !strings.HasPrefix(href, "/runs/") {
			t.Errorf("replay link %q", href)
		}
		screenshot(t, teacher, dir, "class-attempts.png")
	})
	t.Run("TheCSVKeepsTheChineseName", func(t *testing.T) {
		// Decoded keeping the byte order mark, which TextDecoder drops by
		// default.
		body, err := chromedp.Run(teacher, chromedp.Evaluate[string](`fetch(document.querySelector('[data-testid=grid-csv]').href)`+
			`.then(r => r.arrayBuffer()).then(b => new TextDecoder('utf-8', { ignoreBOM: true }).decode(b))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(body, "\uFEFF") {
			t.Fatal("the CSV has no byte order mark")
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := -1
		for i, h := range rows[0] {
			if strings.HasSuffix(h, "· passed") && strings.Contains(h, ex.Title.In("en")) {
				col = i
			}
		}
		if col < 0 || len(rows) != 3 {
			t.Fatalf("header %q, %d rows", rows[0], len(rows))
		}
		got := map[string][]string{}
		for _, r := range rows[1:] {
			got[r[0]] = r
		}
		if r := got["李明"]; r == nil || r[col] != "1" || r[col+1] != "2" || r[col+2] == "" {
			t.Errorf("李明's row %q", r)
		}
		if r := got["Wu"]; r == nil || r[col] != "0" || r[col+1] != "1" || r[col+2] != "" {
			t.Errorf("Wu's row %q", r)
		}
	})
}

// A teacher signs out everywhere from the teacher view in a real browser:
// the form must be accepted as this site's (a page whose Referrer-Policy
// is no-referrer makes the browser send "Origin: null", which is refused).
func TestBrowserTeacherSignsOutEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	_, base := MustStoredServer(t, MustStore(t), Config{Executor: idleExecutor, TeacherToken: teacherToken})
	teacher := newBrowser(t)
	other := newBrowser(t)
	for _, b := range []context.Context{teacher, other} {
		do(t, b,
			chromedp.Navigate(base+"/teacher?token="+url.QueryEscape(teacherToken)),
			chromedp.WaitVisible(css("[data-testid=teacher-signout-everywhere]")),
		)
	}
	do(t, teacher,
		chromedp.Click(css("[data-testid=teacher-signout-everywhere]")),
		chromedp.WaitVisible(css("[data-testid=teacher-login-form]")),
	)
	do(t, other,
		chromedp.Navigate(base+"/teacher/classes"),
		chromedp.WaitVisible(css("[data-testid=teacher-login-form]")),
	)
}
