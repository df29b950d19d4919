package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/store"
)

// MustStore opens a real store in the test's temporary directory.
func MustStore(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.OpenSQLite(filepath.Join(tb.TempDir(), store.DefaultFile), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustStoredServer starts the real server keeping its runs in db.
func MustStoredServer(tb testing.TB, db *store.DB, cfg Config) (*Server, string) {
	tb.Helper()
	cfg.UseStore(db)
	app, ts := MustServer(tb, cfg)
	return app, ts.URL
}

// learnerHeader makes a request or a WebSocket belong to one learner.
func learnerHeader(id string) http.Header {
	return http.Header{"Cookie": {learnerCookie + "=" + id}}
}

// Two learners of the tests (anonymous ids are 32 hex digits).
const (
	ada = "ada0ada0ada0ada0ada0ada0ada0ada0"
	bob = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
)

// apiRun is /api/runs/<id> with its events kept as raw bytes.
type apiRun struct {
	ID         string            `json:"id"`
	Lesson     string            `json:"lesson"`
	Nickname   string            `json:"nickname"`
	Program    string            `json:"program"`
	Status     string            `json:"status"`
	ExitCode   int               `json:"exit_code"`
	DurationMS float64           `json:"duration_ms"`
	OutputCut  bool              `json:"output_cut"`
	EndedAt    *time.Time        `json:"ended_at"`
	Exercise   json.RawMessage   `json:"exercise"`
	EventCount int               `json:"event_count"`
	Events     []json.RawMessage `json:"events"`
}

func mustAPIRun(tb testing.TB, base, id string) (apiRun, map[string]any) {
	tb.Helper()
	res, err := http.Get(base + "/api/runs/" + id)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		tb.Fatalf("GET /api/runs/%s: %s %q: %s", id, res.Status, res.Header.Get("Content-Type"), body)
	}
	var r apiRun
	var fields map[string]any
	if err := json.Unmarshal(body, &r); err != nil {
		tb.Fatalf("decode %s: %v", body, err)
	}
	json.Unmarshal(body, &fields)
	return r, fields
}

// runOver runs code over a new WebSocket as learner and returns the raw
// events and the run id.
func runOver(tb testing.TB, base string, learner string, msg map[string]any) (string, []event.Event, []json.RawMessage, *wsClient) {
	tb.Helper()
	c := mustDialURL(tb, base, learnerHeader(learner))
	c.send(msg)
	evs, raws, _ := c.runToEnd(runTimeout)
	return evs[0].RunID, evs, raws, c
}

func mustDialURL(tb testing.TB, base string, h http.Header) *wsClient {
	tb.Helper()
	u, _ := url.Parse(base)
	return MustDialAddr(tb, u.Host, h)
}

func TestStoredRuns(t *testing.T) {
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{})
	id, evs, raws, _ := runOver(t, base, ada, runMsg("pool", poolProgram))
	assertContract(t, evs)

	t.Run("TheRunIDIsTheStoresUnguessableID", func(t *testing.T) {
		if !event.ValidRunID(id) {
			t.Fatalf("run.start run_id %q is not a store id", id)
		}
	})
	t.Run("TheAPIGivesTheEventsByteForByteAsStreamed", func(t *testing.T) {
		r, _ := mustAPIRun(t, base, id)
		if len(r.Events) != len(raws) {
			t.Fatalf("%d events stored, %d streamed", len(r.Events), len(raws))
		}
		for i := range raws {
			if !bytes.Equal(r.Events[i], raws[i]) {
				t.Fatalf("event %d differs:\nstreamed %s\nstored   %s", i+1, raws[i], r.Events[i])
			}
		}
	})
	t.Run("TheAPIGivesTheRunsFields", func(t *testing.T) {
		r, fields := mustAPIRun(t, base, id)
		end := evs[len(evs)-1]
		if r.ID != id || r.Lesson != "pool" || r.Program != poolProgram || r.Status != "ok" ||
			r.ExitCode != *end.ExitCode || r.EventCount != len(evs) || r.EndedAt == nil || r.OutputCut {
			r.Events = nil
			t.Errorf("run fields %+v", r)
		}
		if d := r.DurationMS - *end.DurationMS; d > 0.01 || d < -0.01 {
			t.Errorf("duration %v, run.end says %v", r.DurationMS, *end.DurationMS)
		}
		if _, ok := fields["learner"]; ok {
			t.Error("the API shows the learner's id, which is their key")
		}
	})
	t.Run("UnknownOrMalformedIDIsNotFound", func(t *testing.T) {
		for _, bad := range []string{event.NewRunID(), "nope", id + "x", "..%2F..%2Fetc"} {
			res, doc := MustGet(t, nil, base+"/runs/"+bad)
			if res.StatusCode != 404 || doc == nil || byTestID(doc, "not-found").Length() != 1 {
				t.Errorf("/runs/%s: %d, not the not-found page", bad, res.StatusCode)
			}
			res, err := http.Get(base + "/api/runs/" + bad)
			if err != nil {
				t.Fatal(err)
			}
			var m errorMessage
			json.NewDecoder(res.Body).Decode(&m)
			res.Body.Close()
			if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || m.Message == "" {
				t.Errorf("/api/runs/%s: %d %q %+v", bad, res.StatusCode, res.Header.Get("Content-Type"), m)
			}
		}
	})
	t.Run("TheReplayPageShowsTheRunInTheLiveViews", func(t *testing.T) {
		res, doc := MustGet(t, nil, base+"/runs/"+id)
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		r := byTestID(doc, "replay")
		if api, _ := r.Attr("data-api"); api != "/api/runs/"+id {
			t.Errorf("data-api %q", api)
		}
		for _, tid := range []string{"tree", "timeline", "output", "filter", "play", "show-all", "copy-link", "status"} {
			if byTestID(doc, tid).Length() != 1 {
				t.Errorf("no single %q", tid)
			}
		}
		if !strings.Contains(byTestID(doc, "run-code").Text(), "mp.Pool(3)") {
			t.Errorf("program not shown: %q", byTestID(doc, "run-code").Text())
		}
		if byTestID(doc, "run-status").Text() != "ok" {
			t.Errorf("status %q", byTestID(doc, "run-status").Text())
		}
		if _, ok := r.Attr("data-autoplay"); ok {
			t.Error("autoplay without ?play=1")
		}
		_, doc = MustGet(t, nil, base+"/runs/"+id+"?play=1")
		if _, ok := byTestID(doc, "replay").Attr("data-autoplay"); !ok {
			t.Error("?play=1 does not autoplay")
		}
	})
	t.Run("TheLessonPageListsOnlyTheLearnersOwnRuns", func(t *testing.T) {
		_, doc := MustGet(t, nil, base+"/lessons/pool", "Cookie", learnerCookie+"="+ada)
		items := byTestID(doc, "history-item")
		if items.Length() != 1 || items.AttrOr("data-run", "") != id {
			t.Fatalf("ada's history: %d items, first %q", items.Length(), items.AttrOr("data-run", ""))
		}
		if h := items.Find(`[data-testid=history-open]`).AttrOr("href", ""); h != "/runs/"+id {
			t.Errorf("open links to %q", h)
		}
		if h := items.Find(`[data-testid=history-replay]`).AttrOr("href", ""); h != "/runs/"+id+"?play=1" {
			t.Errorf("replay links to %q", h)
		}
		if items.Find(`[data-testid=history-restore]`).AttrOr("data-run", "") != id {
			t.Error("no restore button for the run")
		}
		var sources map[string]string
		if err := json.Unmarshal([]byte(doc.Find("script#history-sources").Text()), &sources); err != nil || sources[id] != poolProgram {
			t.Errorf("restore source %q (%v)", sources[id], err)
		}
		_, doc = MustGet(t, nil, base+"/lessons/pool", "Cookie", learnerCookie+"="+bob)
		if byTestID(doc, "history-item").Length() != 0 || byTestID(doc, "history-empty").Length() != 1 {
			t.Error("bob sees ada's runs")
		}
		_, doc = MustGet(t, nil, base+"/lessons/sleep", "Cookie", learnerCookie+"="+ada)
		if byTestID(doc, "history-item").Length() != 0 {
			t.Error("another lesson lists the run")
		}
	})
	t.Run("TheHistoryCardAloneForRefreshing", func(t *testing.T) {
		_, doc := MustGet(t, nil, base+"/lessons/pool/history", "Cookie", learnerCookie+"="+ada)
		if byTestID(doc, "history").Length() != 1 || byTestID(doc, "history-item").Length() != 1 {
			t.Error("the history card is not served alone")
		}
	})
	t.Run("ANicknameIsCarriedByLaterRuns", func(t *testing.T) {
		req, _ := http.NewRequest("POST", base+"/nickname", strings.NewReader(url.Values{"nickname": {"  Ada\x07  L. "}, "back": {"/lessons/pool"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", learnerCookie+"="+ada)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/lessons/pool" {
			t.Fatalf("POST /nickname: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		_, doc := MustGet(t, nil, base+"/", "Cookie", learnerCookie+"="+ada)
		if v := byTestID(doc, "nickname").AttrOr("value", ""); v != "Ada L." {
			t.Errorf("nickname field %q", v)
		}
		id2, _, _, _ := runOver(t, base, ada, runMsg("pool", "print('hi')\n"))
		if r, _ := mustAPIRun(t, base, id2); r.Nickname != "Ada L." {
			t.Errorf("run nickname %q", r.Nickname)
		}
		_, doc = MustGet(t, nil, base+"/runs/"+id2)
		if byTestID(doc, "run-nickname").Text() != "Ada L." {
			t.Errorf("replay page shows nickname %q", byTestID(doc, "run-nickname").Text())
		}
	})
	t.Run("ANicknameFromAnotherSiteIsRefused", func(t *testing.T) {
		req, _ := http.NewRequest("POST", base+"/nickname", strings.NewReader("nickname=Mallory"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Cookie", learnerCookie+"="+ada)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("status %d", res.StatusCode)
		}
	})
}

func TestLearnerCookie(t *testing.T) {
	_, ts := MustServer(t, Config{})
	res, _ := MustGet(t, nil, ts.URL+"/")
	var c *http.Cookie
	for _, k := range res.Cookies() {
		if k.Name == learnerCookie {
			c = k
		}
	}
	if c == nil || !validLearnerID(c.Value) || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge < 300*24*3600 {
		t.Fatalf("learner cookie %+v", c)
	}
}

func TestConcurrentRunsAreAllStored(t *testing.T) {
	const clients = 50
	db := MustStore(t)
	var logs syncBuffer
	r := concurrentRunner(t, clients)
	_, base := MustStoredServer(t, db, Config{MaxRuns: clients, Logger: slogTo(&logs), Executor: r, Sandbox: r})
	var wg sync.WaitGroup
	ids := make([]string, clients)
	counts := make([]int, clients)
	statuses := make([]string, clients)
	for i := range clients {
		c := mustDialURL(t, base, learnerHeader(fmt.Sprintf("%032x", i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.send(runMsg("pool", fmt.Sprintf("import os\nfor i in range(20):\n    print('client %d line', i, flush=True)\n", i)))
			evs, _, _ := c.runToEnd(2 * time.Minute)
			ids[i] = evs[0].RunID
			counts[i] = len(evs)
			end := evs[len(evs)-1]
			statuses[i] = end.Status
			if end.Status != event.StatusOK {
				t.Errorf("client %d: run ended %s: %s", i, end.Status, end.Message)
			}
		}()
	}
	wg.Wait()
	if strings.Contains(strings.ToLower(logs.String()), "locked") {
		t.Errorf("the server logged a locked database:\n%s", logs.String())
	}
	for i, id := range ids {
		r, err := db.GetRun(context.Background(), id)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if r.Status != statuses[i] || len(r.Events) != counts[i] {
			t.Errorf("client %d: status %s, %d events stored of %d", i, r.Status, len(r.Events), counts[i])
		}
	}
}
