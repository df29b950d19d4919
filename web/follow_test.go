package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
)

// A running run's page follows it from /api/runs/<id>/live: the events
// kept so far, the rest as they come, then "end" once the run is stored.
func TestTeacherFollowsARunLive(t *testing.T) {
	hold := make(chan struct{}, 1)
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Executor: cursorRun(hold, 20, time.Millisecond)})

	t.Run("AnUnknownOrEndedLongAgoRunIs404", func(t *testing.T) {
		for _, id := range []string{"nope", strings.Repeat("A", 22)} {
			res, err := http.Get(base + "/api/runs/" + id + "/live")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %s", id, res.Status)
			}
		}
	})

	c := mustDialURL(t, base, learnerHeader(ada))
	c.send(runMsg("pool", "print('hold')"))
	var id string
	for id == "" {
		m, _ := c.next(runTimeout)
		if m.Type == event.TypeRunStart {
			id = m.RunID
		}
	}
	// The page of a running run follows it; that of an ended one does not.
	livePage := func() bool {
		t.Helper()
		_, doc := MustGet(t, http.DefaultClient, base+"/runs/"+id)
		_, live := byTestID(doc, "replay").Attr("data-live")
		return live
	}
	if !livePage() {
		t.Error("the running run's page does not follow it")
	}
	res, err := http.Get(base + "/api/runs/" + id + "/live")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("%s %q", res.Status, ct)
	}
	lines := bufio.NewScanner(res.Body)
	lines.Buffer(nil, 1<<20)
	var seqs []int64
	lastID, ended, released := "", false, false
	deadline := time.AfterFunc(runTimeout, func() { res.Body.Close() })
	defer deadline.Stop()
	for !ended && lines.Scan() {
		l := lines.Text()
		switch {
		case strings.HasPrefix(l, "id: "):
			lastID = strings.TrimPrefix(l, "id: ")
		case l == "event: end":
			ended = true
		case strings.HasPrefix(l, "data: ") && !ended:
			var evs []event.Event
			if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "data: ")), &evs); err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			for _, ev := range evs {
				seqs = append(seqs, ev.Seq)
			}
			// The events up to the hold, then the rest once the run goes on.
			if !released && len(seqs) >= 5 {
				released = true
				if len(seqs) != 5 {
					t.Errorf("%d events before the run went on, want 5", len(seqs))
				}
				hold <- struct{}{}
			}
		}
	}
	if !ended {
		t.Fatalf("no end: %v", lines.Err())
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("seqs %v: not each once in order", seqs)
		}
	}
	if n := len(cursorEvents(id, 20)) + 1; len(seqs) != n || lastID != strings.TrimSpace(lastID) || lastID == "" {
		t.Errorf("%d events (last id %q), want %d", len(seqs), lastID, n)
	}
	if r, _ := mustAPIRun(t, base, id); r.Status != "ok" {
		t.Errorf("at the end the stored run is %q", r.Status)
	}
	if livePage() {
		t.Error("the ended run's page would follow it")
	}
}
