package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/lessons"
	"mpplayground/store"
)

// classCourse is a course of one lesson with two exercises.
func classCourse() *StaticCatalog {
	return &StaticCatalog{List: []Lesson{{
		Slug: "pools", Number: 1, Title: "Pools", Example: "print('example')\n",
		Exercises: []Exercise{
			{ID: "four", Title: "Four workers", Starter: "import multiprocessing\nprint('start')\n"},
			{ID: "map", Title: "Map", Starter: "print('map')\n"},
		},
	}}}
}

// classServer is a server with a store, classes and a signed-in teacher.
type classServer struct {
	app     *Server
	base    string
	db      *store.DB
	teacher *http.Client
}

func newClassServer(t *testing.T) *classServer {
	t.Helper()
	db := MustStore(t)
	app, base := MustStoredServer(t, db, Config{Executor: idleExecutor, Catalog: classCourse(), TeacherToken: teacherToken})
	return &classServer{app: app, base: base, db: db, teacher: teacherClient(t, base)}
}

// post sends a form from this site with client (nil: no cookies), without
// following a redirect.
func (cs *classServer) post(t *testing.T, client *http.Client, path string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", cs.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", cs.base)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: noRedirect.CheckRedirect}
	if client != nil {
		c.Jar = client.Jar
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// get fetches path with client's cookies (nil: none) and more headers.
func (cs *classServer) get(t *testing.T, client *http.Client, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", cs.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: noRedirect.CheckRedirect}
	if client != nil {
		c.Jar = client.Jar
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// createClass creates a class as the teacher and returns it.
func (cs *classServer) createClass(t *testing.T, name string) store.Class {
	t.Helper()
	res, body := cs.post(t, cs.teacher, "/teacher/classes", url.Values{"name": {name}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create class: %s %s", res.Status, body)
	}
	var id int64
	if _, err := fmt.Sscanf(res.Header.Get("Location"), "/teacher/classes/%d", &id); err != nil {
		t.Fatalf("create class: went to %q", res.Header.Get("Location"))
	}
	c, err := cs.db.Class(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// join makes learner join the class by its link under name.
func (cs *classServer) join(t *testing.T, learner, code, name string) *http.Response {
	t.Helper()
	res, _ := cs.post(t, nil, "/join/"+code, url.Values{"name": {name}}, "Cookie", learnerCookie+"="+learner)
	return res
}

// run records a finished run of learner at an exercise through the
// server's recorder, as a run from the page is.
func (cs *classServer) run(t *testing.T, learner, exercise, program, status string, passed bool) string {
	t.Helper()
	ctx := context.Background()
	id := event.NewRunID()
	log, err := cs.app.cfg.Recorder.Begin(ctx, RunMeta{RunID: id, Lesson: "pools", Learner: learner, Program: []byte(program)})
	if err != nil {
		t.Fatal(err)
	}
	v := lessons.NewVerdict(exercise, []lessons.Result{{Description: lessons.Text{"en": "four workers"}, Passed: passed}})
	if err := log.Finish(ctx, RunOutcome{Status: status, Verdict: &v}); err != nil {
		t.Fatal(err)
	}
	return id
}

// Learners of the class tests: anonymous ids of 32 hex digits.
const (
	li  = "11111111111111111111111111111111"
	wu  = "22222222222222222222222222222222"
	eve = "33333333333333333333333333333333"
)

func TestClassroomTeacherRoutesNeedASession(t *testing.T) {
	cs := newClassServer(t)
	c := cs.createClass(t, "7B")
	id := fmt.Sprint(c.ID)
	for _, path := range []string{"/teacher/classes", "/teacher/classes/" + id, "/teacher/classes/" + id + "/progress.json",
		"/teacher/classes/" + id + "/progress.csv", "/teacher/classes/" + id + "/events",
		"/teacher/classes/" + id + "/attempts?member=1&lesson=pools&exercise=four"} {
		res, body := cs.get(t, nil, path)
		if res.StatusCode != http.StatusForbidden || strings.Contains(body, c.Code) {
			t.Errorf("GET %s without a session: %s", path, res.Status)
		}
	}
	for _, path := range []string{"/teacher/classes", "/teacher/classes/" + id + "/delete", "/teacher/classes/" + id + "/roster",
		"/teacher/classes/" + id + "/members/1/rename", "/teacher/classes/" + id + "/members/1/remove"} {
		res, _ := cs.post(t, nil, path, url.Values{"name": {"x"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a session: %s", path, res.Status)
		}
	}
	t.Run("AnotherSitesFormIsRefused", func(t *testing.T) {
		res, _ := cs.post(t, cs.teacher, "/teacher/classes", url.Values{"name": {"evil"}}, "Origin", "http://evil.example")
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("a foreign form: %s", res.Status)
		}
	})
}

func TestClassroomCreateAndJoin(t *testing.T) {
	cs := newClassServer(t)
	c := cs.createClass(t, "  Year 9 · 物理 ")

	t.Run("TheClassPageShowsTheCodeAndTheJoinLink", func(t *testing.T) {
		res, body := cs.get(t, cs.teacher, fmt.Sprintf("/teacher/classes/%d", c.ID))
		if res.StatusCode != 200 || !strings.Contains(body, c.Code) || !strings.Contains(body, cs.base+"/join/"+c.Code) || !strings.Contains(body, "Year 9 · 物理") {
			t.Errorf("class page: %s", res.Status)
		}
	})
	t.Run("ABadNameOrDateIsASentence", func(t *testing.T) {
		for _, form := range []url.Values{{"name": {""}}, {"name": {strings.Repeat("x", 81)}}, {"name": {"ok"}, "closes": {"tomorrow"}}, {"name": {"ok"}, "closes": {"2001-01-01"}}} {
			res, body := cs.post(t, cs.teacher, "/teacher/classes", form)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-testid="class-problem"`) {
				t.Errorf("%v: %s", form, res.Status)
			}
		}
	})
	t.Run("ALearnerJoinsByTheLink", func(t *testing.T) {
		res := cs.join(t, li, c.Code, "李明")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/join/"+c.Code+"?joined=1" {
			t.Fatalf("join: %s to %s", res.Status, res.Header.Get("Location"))
		}
		_, body := cs.get(t, nil, "/join/"+c.Code+"?joined=1", "Cookie", learnerCookie+"="+li)
		if !strings.Contains(body, `data-testid="join-done"`) || !strings.Contains(body, "李明") {
			t.Errorf("after joining the page says %s", body)
		}
	})
	t.Run("TheCodeTypedLooselyOnTheHomePageLeadsToTheClass", func(t *testing.T) {
		typed := strings.ToLower(c.Code[:4]) + "-" + strings.ToLower(c.Code[4:])
		res, _ := cs.get(t, nil, "/join?code="+url.QueryEscape(typed))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/join/"+c.Code {
			t.Errorf("code box: %s to %s", res.Status, res.Header.Get("Location"))
		}
		_, body := cs.get(t, nil, "/")
		if !strings.Contains(body, `data-testid="home-join"`) {
			t.Error("the home page has no code box")
		}
	})
	t.Run("ATakenNameIsRefusedAndNothingIsLost", func(t *testing.T) {
		res := cs.join(t, wu, c.Code, "李明")
		if res.StatusCode != http.StatusConflict {
			t.Errorf("a taken name: %s", res.Status)
		}
		ms, _ := cs.db.Members(context.Background(), c.ID)
		if len(ms) != 1 {
			t.Errorf("members %+v", ms)
		}
	})
	t.Run("TooLongAName", func(t *testing.T) {
		if res := cs.join(t, wu, c.Code, strings.Repeat("名", store.MaxMemberNameLen+1)); res.StatusCode != http.StatusBadRequest {
			t.Errorf("a long name: %s", res.Status)
		}
	})
	t.Run("AClosedClassSaysSo", func(t *testing.T) {
		closed, err := cs.db.CreateClass(context.Background(), "closed", time.Now().Add(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		res, body := cs.post(t, nil, "/join/"+closed.Code, url.Values{"name": {"Late"}}, "Cookie", learnerCookie+"="+wu)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "closed") {
			t.Errorf("a closed class: %s", res.Status)
		}
	})
	t.Run("AnotherSitesJoinFormIsRefused", func(t *testing.T) {
		res, _ := cs.post(t, nil, "/join/"+c.Code, url.Values{"name": {"Mallory"}}, "Origin", "http://evil.example")
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("foreign join: %s", res.Status)
		}
	})
	t.Run("WrongCodesAreThrottledAndThenEvenTheRightOneWaits", func(t *testing.T) {
		for i := range joinFailBurst {
			res, body := cs.get(t, nil, fmt.Sprintf("/join/ZZZZZZZ%d", 2+i%8))
			if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "no class with that code") {
				t.Fatalf("wrong code %d: %s", i, res.Status)
			}
		}
		res, _ := cs.get(t, nil, "/join/"+c.Code)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("after %d wrong codes the right one: %s", joinFailBurst, res.Status)
		}
	})
}

func TestClassroomRosterAndMembers(t *testing.T) {
	cs := newClassServer(t)
	c := cs.createClass(t, "roster")
	upload := func(t *testing.T, content []byte) (*http.Response, string) {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "roster.csv")
		fw.Write(content)
		mw.Close()
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/teacher/classes/%d/roster", cs.base, c.ID), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", cs.base)
		client := &http.Client{Jar: cs.teacher.Jar, CheckRedirect: noRedirect.CheckRedirect}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	roster := func() string {
		r, _ := cs.db.Roster(context.Background(), c.ID)
		var names []string
		for _, n := range r {
			names = append(names, n.Name)
		}
		return strings.Join(names, ",")
	}
	t.Run("ACSVWithABOMAndAHeaderIsImported", func(t *testing.T) {
		res, _ := upload(t, []byte("\uFEFFname,class\r\n王芳,7B\r\n\"Ada, L.\",7B\r\n\r\nBob,7B\r\n"))
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("import: %s", res.Status)
		}
		if got := roster(); got != "Ada, L.,Bob,王芳" {
			t.Errorf("roster %q", got)
		}
	})
	for _, bad := range []struct{ name, content, says string }{
		{"BrokenQuotes", "Ann\n\"Bo\"b\"\n", "not valid CSV"},
		{"NotUTF8", "Ann\n\xff\xfe\n", "UTF-8"},
		{"ATooLongName", "Ann\n" + strings.Repeat("x", store.MaxMemberNameLen+1) + "\n", "Line 2"},
		{"NoNames", "name\n\n", "no names"},
		{"TooManyNames", strings.Repeat("n\n", 0) + func() string {
			var b strings.Builder
			for i := range store.MaxRosterNames + 1 {
				fmt.Fprintf(&b, "learner %d\n", i)
			}
			return b.String()
		}(), "more than"},
	} {
		t.Run("Refuses"+bad.name+"AndKeepsTheRoster", func(t *testing.T) {
			res, body := upload(t, []byte(bad.content))
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, bad.says) {
				t.Errorf("%s: %s, says %q?", bad.name, res.Status, bad.says)
			}
			if got := roster(); got != "Ada, L.,Bob,王芳" {
				t.Errorf("roster now %q", got)
			}
		})
	}
	t.Run("ALearnerPicksFromTheRoster", func(t *testing.T) {
		_, body := cs.get(t, nil, "/join/"+c.Code, "Cookie", learnerCookie+"="+li)
		if !strings.Contains(body, `<option value="王芳">`) {
			t.Fatal("the join page offers no roster")
		}
		res, _ := cs.post(t, nil, "/join/"+c.Code, url.Values{"pick": {"王芳"}}, "Cookie", learnerCookie+"="+li)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("pick: %s", res.Status)
		}
		_, body = cs.get(t, nil, "/join/"+c.Code, "Cookie", learnerCookie+"="+wu)
		if strings.Contains(body, `<option value="王芳">`) {
			t.Error("a taken name is still offered")
		}
	})
	t.Run("TheTeacherRenamesAndRemoves", func(t *testing.T) {
		ms, _ := cs.db.Members(context.Background(), c.ID)
		base := fmt.Sprintf("/teacher/classes/%d/members/%d/", c.ID, ms[0].ID)
		if res, _ := cs.post(t, cs.teacher, base+"rename", url.Values{"name": {"王芳芳"}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("rename: %s", res.Status)
		}
		if res, _ := cs.post(t, cs.teacher, base+"rename", url.Values{"name": {""}}); !strings.Contains(res.Header.Get("Location"), "problem=badName") {
			t.Errorf("rename to nothing: %s", res.Header.Get("Location"))
		}
		ms, _ = cs.db.Members(context.Background(), c.ID)
		if len(ms) != 1 || ms[0].Name != "王芳芳" {
			t.Errorf("members %+v", ms)
		}
		if res, _ := cs.post(t, cs.teacher, base+"remove", nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("remove: %s", res.Status)
		}
		if ms, _ = cs.db.Members(context.Background(), c.ID); len(ms) != 0 {
			t.Errorf("members %+v", ms)
		}
	})
}

// readEvent reads the next Server-Sent Event of a stream.
func readEvent(t *testing.T, rd *bufio.Reader) (string, string) {
	t.Helper()
	var name, data string
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("read the stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && name != "":
			return name, data
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func TestClassroomProgressIsLiveAndExported(t *testing.T) {
	cs := newClassServer(t)
	c := cs.createClass(t, "live")
	cs.run(t, wu, "four", "print('before joining')\n", "ok", true) // not the class's
	for _, j := range []struct{ learner, name string }{{li, "李明"}, {wu, "=HYPERLINK(\"http://evil.example\")"}} {
		if res := cs.join(t, j.learner, c.Code, j.name); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("join %s: %s", j.name, res.Status)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/teacher/classes/%d/events", cs.base, c.ID), nil)
	res, err := cs.teacher.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(res.Body)
	grid := func() gridJSON {
		t.Helper()
		name, data := readEvent(t, rd)
		var g gridJSON
		if name != "grid" || json.Unmarshal([]byte(data), &g) != nil {
			t.Fatalf("event %s: %s", name, data)
		}
		return g
	}
	g := grid()
	if len(g.Members) != 2 || len(g.Cells) != 0 || len(g.Columns) != 2 {
		t.Fatalf("the first grid: %+v", g)
	}

	t.Run("ARunThatEndsIsPushed", func(t *testing.T) {
		start := time.Now()
		cs.run(t, li, "four", "import multiprocessing\nprint('one')\n", "error", false)
		g := grid()
		took := time.Since(start)
		if len(g.Cells) != 1 || g.Cells[0].Attempts != 1 || g.Cells[0].Passed || g.Columns[g.Cells[0].Column].Exercise != "four" {
			t.Fatalf("cells %+v", g.Cells)
		}
		if bound := testload.Scaled(t, 2*time.Second, 50); took > bound {
			t.Errorf("the grid came %v after the run, more than %v", took, bound)
		}
	})
	t.Run("ABurstIsOneGrid", func(t *testing.T) {
		cs.run(t, li, "four", "import multiprocessing\nprint('two')\n<script>alert(1)</script>\n", "ok", true)
		cs.run(t, wu, "map", "print('map')\n", "timeout", false)
		g := grid()
		attempts := 0
		for _, c := range g.Cells {
			attempts += c.Attempts
		}
		if attempts != 3 {
			// The second run may come a grid later.
			g = grid()
		}
		byMember := map[string]gridCell{}
		for _, c := range g.Cells {
			for _, m := range g.Members {
				if m.ID == c.Member {
					byMember[m.Name] = c
				}
			}
		}
		if c := byMember["李明"]; c.Attempts != 2 || !c.Passed || c.FirstPass == nil {
			t.Errorf("li's cell %+v", c)
		}
		if c := byMember[`=HYPERLINK("http://evil.example")`]; c.Attempts != 1 || c.Stuck != store.StuckLimit {
			t.Errorf("wu's cell %+v", c)
		}
	})
	t.Run("TheAttemptsNewestFirstWithDiffs", func(t *testing.T) {
		ms, _ := cs.db.Members(context.Background(), c.ID)
		var liID int64
		for _, m := range ms {
			if m.Learner == li {
				liID = m.ID
			}
		}
		res, body := cs.get(t, cs.teacher, fmt.Sprintf("/teacher/classes/%d/attempts?member=%d&lesson=pools&exercise=four", c.ID, liID))
		if res.StatusCode != 200 {
			t.Fatalf("attempts: %s", res.Status)
		}
		if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("the program is not escaped")
		}
		first, second := strings.Index(body, "Attempt 2"), strings.Index(body, "Attempt 1")
		if first < 0 || second < 0 || first > second {
			t.Errorf("attempts not newest first (%d, %d)", first, second)
		}
		for _, want := range []string{`data-testid="diff-starter"`, `data-testid="diff-previous"`, "+ print(&#39;two&#39;)", "- print(&#39;one&#39;)", "/runs/"} {
			if !strings.Contains(body, want) {
				t.Errorf("the attempts lack %s", want)
			}
		}
	})
	t.Run("TheCSV", func(t *testing.T) {
		res, body := cs.get(t, cs.teacher, fmt.Sprintf("/teacher/classes/%d/progress.csv", c.ID))
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %s %v", res.Status, res.Header)
		}
		if !strings.HasPrefix(body, "\uFEFF") {
			t.Fatal("no byte order mark")
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || len(rows[0]) != 2+3*2 || rows[0][0] != "Learner" || rows[0][2] != "Pools / Four workers · passed" {
			t.Fatalf("rows %q", rows)
		}
		byName := map[string][]string{}
		for _, r := range rows[1:] {
			byName[r[0]] = r
		}
		if r := byName["李明"]; r == nil || r[2] != "1" || r[3] != "2" || r[4] == "" || r[5] != "0" || r[6] != "0" {
			t.Errorf("li's row %q", r)
		}
		if r := byName[`'=HYPERLINK("http://evil.example")`]; r == nil || r[2] != "0" || r[3] != "0" || r[5] != "0" || r[6] != "1" {
			t.Errorf("the formula name is not neutralised: rows %q", rows)
		}
	})
	t.Run("RemovingTheClassEndsTheStreamAndKeepsTheRuns", func(t *testing.T) {
		before, _ := cs.db.CountRuns(context.Background())
		if res, _ := cs.post(t, cs.teacher, fmt.Sprintf("/teacher/classes/%d/delete", c.ID), nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %s", res.Status)
		}
		if name, _ := readEvent(t, rd); name != "gone" {
			t.Errorf("the stream of a removed class sent %q", name)
		}
		cs.run(t, li, "four", "print(3)\n", "ok", true)
		after, _ := cs.db.CountRuns(context.Background())
		if after != before+1 {
			t.Errorf("runs %d before, %d after", before, after)
		}
	})
}

func TestCSVCellsAreNeverFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"王芳": "王芳", "Ada": "Ada", "": "", "a=b": "a=b",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLineDiff(t *testing.T) {
	d, ok := lineDiff("a\nb\nc\n", "a\nc\nd\n")
	if !ok {
		t.Fatal("not compared")
	}
	var got []string
	for _, l := range d {
		got = append(got, string(l.Op)+l.Text)
	}
	if strings.Join(got, "|") != " a|-b| c|+d" {
		t.Errorf("diff %q", got)
	}
	if _, ok := lineDiff(strings.Repeat("x\n", 2000), strings.Repeat("y\n", 2000)); ok {
		t.Error("two programs of 2,000 lines were compared; the bound is maxDiffCells")
	}
}

// A grid's stream ends with the teacher's session: the next change after
// signing out sends nothing and closes it.
func TestClassroomStreamEndsWithTheSession(t *testing.T) {
	cs := newClassServer(t)
	c := cs.createClass(t, "session")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/teacher/classes/%d/events", cs.base, c.ID), nil)
	res, err := cs.teacher.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rd := bufio.NewReader(res.Body)
	if name, _ := readEvent(t, rd); name != "grid" {
		t.Fatalf("first event %q", name)
	}
	if res, _ := cs.post(t, cs.teacher, "/teacher/signout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %s", res.Status)
	}
	cs.join(t, li, c.Code, "Li")
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(rd)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the stream ended with %v", err)
		}
	case <-time.After(testload.Scaled(t, 3*time.Second, 50)):
		t.Error("the stream outlived the session")
	}
}
