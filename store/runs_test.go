package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/store"
)

func TestRuns(t *testing.T) { eachBackend(t, testRuns) }

func testRuns(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("EventsRoundTripByteIdentical", func(t *testing.T) {
		db := b.MustOpen(t)
		r := MustCreateRun(t, db, "hello-process", "learner-1")
		evs := events(r.ID, 1234)
		// Uneven batches, then the last events with the completion.
		for i, size := 0, 1; i < len(evs)-3; i, size = i+size, size*2 {
			end := min(i+size, len(evs)-3)
			if err := db.AppendEvents(ctx, r.ID, evs[i:end]); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok", Events: evs[len(evs)-3:]}); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEvents(t, got.Events, evs)
	})

	t.Run("EventsWithAnyBytesOfValidJSON", func(t *testing.T) {
		// Whitespace, key order, escapes and number forms are kept as given.
		db := b.MustOpen(t)
		r := MustCreateRun(t, db, "l", "a")
		evs := []json.RawMessage{
			json.RawMessage("{ \"seq\" : 1 ,\n\t\"t\":1.50e0, \"type\":\"output\"}"),
			json.RawMessage(`{"type":"output","seq":2,"text":"\u00e9\ud83d\ude00 <&>"}`),
			json.RawMessage(`[]`),
		}
		if err := db.AppendEvents(ctx, r.ID, evs); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEvents(t, got.Events, evs)
	})

	t.Run("ErrInvalidForEventThatIsNotJSON", func(t *testing.T) {
		db := b.MustOpen(t)
		r := MustCreateRun(t, db, "l", "a")
		err := db.AppendEvents(ctx, r.ID, []json.RawMessage{json.RawMessage(`{"seq":1}`), json.RawMessage(`{"seq":`)})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Events) != 0 {
			t.Fatalf("%d events stored from a rejected batch", len(got.Events))
		}
	})

	t.Run("FieldsAtStartAndFinish", func(t *testing.T) {
		db := MustOpenWith(t, b.place(t), store.Options{Now: fixedClock()})
		r := &store.Run{RunSummary: store.RunSummary{Lesson: "pools", Learner: "anon-7", Nickname: "Ada", Source: "import os\nprint(os.getpid())\n"}}
		if err := db.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if !event.ValidRunID(r.ID) {
			t.Fatalf("CreateRun gave id %q", r.ID)
		}
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.StatusRunning || !got.EndedAt.IsZero() || got.Source != r.Source ||
			got.Nickname != "Ada" || got.Lesson != "pools" || got.Learner != "anon-7" || !got.StartedAt.Equal(r.StartedAt) {
			t.Fatalf("running run = %+v", got.RunSummary)
		}

		f := store.Finish{Status: "error", ExitCode: 3, Duration: 1234500 * time.Microsecond, OutputCut: true,
			Exercise: `{"passed":false,"checks":[1,2]}`}
		if err := db.FinishRun(ctx, r.ID, f); err != nil {
			t.Fatal(err)
		}
		got, err = db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := r.RunSummary
		want.Status, want.ExitCode, want.Duration, want.OutputCut, want.Exercise = "error", 3, f.Duration, true, f.Exercise
		want.EndedAt = time.Date(2026, 1, 2, 3, 4, 10, 0, time.UTC) // fifth tick: three migrations, start, finish
		if got.RunSummary != want {
			t.Fatalf("finished run\n got %+v\nwant %+v", got.RunSummary, want)
		}
	})

	t.Run("GivenIDIsKept", func(t *testing.T) {
		db := b.MustOpen(t)
		id := event.NewRunID()
		r := &store.Run{RunSummary: store.RunSummary{ID: id, Lesson: "l", Learner: "a"}}
		if err := db.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetRun(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateRun(ctx, &store.Run{RunSummary: store.RunSummary{ID: id, Lesson: "l", Learner: "a"}}); err == nil {
			t.Fatal("a second run with the same id was accepted")
		}
	})

	t.Run("ErrInvalidForMissingFieldsOrMalformedID", func(t *testing.T) {
		db := b.MustOpen(t)
		for _, r := range []store.RunSummary{
			{Learner: "a"},
			{Lesson: "l"},
			{ID: "not-an-id", Lesson: "l", Learner: "a"},
		} {
			if err := db.CreateRun(ctx, &store.Run{RunSummary: r}); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("CreateRun(%+v) = %v, want ErrInvalid", r, err)
			}
		}
	})

	t.Run("ErrNotFoundForUnknownOrMalformedID", func(t *testing.T) {
		db := b.MustOpen(t)
		for _, id := range []string{event.NewRunID(), "", "x", "' OR 1=1 --", "../../etc/passwd", "AAAAAAAAAAAAAAAAAAAAAB"} {
			if _, err := db.GetRun(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetRun(%q) = %v, want ErrNotFound", id, err)
			}
			if err := db.AppendEvents(ctx, id, events("x", 1)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("AppendEvents(%q) = %v, want ErrNotFound", id, err)
			}
			if err := db.FinishRun(ctx, id, store.Finish{Status: "ok"}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("FinishRun(%q) = %v, want ErrNotFound", id, err)
			}
		}
	})

	t.Run("ErrFinishedAfterFinish", func(t *testing.T) {
		db := b.MustOpen(t)
		r := MustCreateRun(t, db, "l", "a")
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok"}); err != nil {
			t.Fatal(err)
		}
		if err := db.AppendEvents(ctx, r.ID, events("x", 1)); !errors.Is(err, store.ErrFinished) {
			t.Errorf("AppendEvents = %v, want ErrFinished", err)
		}
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok"}); !errors.Is(err, store.ErrFinished) {
			t.Errorf("FinishRun = %v, want ErrFinished", err)
		}
	})

	t.Run("ReopenKeepsRuns", func(t *testing.T) {
		path := b.place(t)
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		r := MustCreateRun(t, db, "queues", "a")
		evs := events(r.ID, 300)
		if err := db.AppendEvents(ctx, r.ID, evs[:100]); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok", Events: evs[100:]}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		db = MustOpenPath(t, path)
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "ok" || got.Lesson != "queues" {
			t.Fatalf("after reopen: %+v", got.RunSummary)
		}
		assertEvents(t, got.Events, evs)
	})

	t.Run("MarkInterruptedMarksOnlyRunningRuns", func(t *testing.T) {
		path := b.place(t)
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		done := MustCreateRun(t, db, "l", "a")
		if err := db.FinishRun(ctx, done.ID, store.Finish{Status: "timeout"}); err != nil {
			t.Fatal(err)
		}
		left := MustCreateRun(t, db, "l", "a")
		evs := events(left.ID, 10)
		if err := db.AppendEvents(ctx, left.ID, evs); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		db = MustOpenPath(t, path)
		n, err := db.MarkInterrupted(ctx, time.Time{})
		if err != nil || n != 1 {
			t.Fatalf("MarkInterrupted = %d, %v; want 1", n, err)
		}
		got, err := db.GetRun(ctx, left.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.StatusInterrupted {
			t.Errorf("left-running run has status %q", got.Status)
		}
		assertEvents(t, got.Events, evs)
		if got, _ := db.GetRun(ctx, done.ID); got.Status != "timeout" {
			t.Errorf("finished run has status %q", got.Status)
		}
		if n, err := db.MarkInterrupted(ctx, time.Time{}); err != nil || n != 0 {
			t.Errorf("second MarkInterrupted = %d, %v; want 0", n, err)
		}
	})

	// Web nodes sharing a database mark only runs older than any live
	// one can be: a neighbour's run that started since is left running.
	t.Run("MarkInterruptedSparesRunsStartedSince", func(t *testing.T) {
		db := MustOpenWith(t, b.place(t), store.Options{Now: fixedClock()}) // a second per call
		old := MustCreateRun(t, db, "l", "a")
		live := MustCreateRun(t, db, "l", "b")
		if !live.StartedAt.After(old.StartedAt) {
			t.Fatalf("started %v then %v", old.StartedAt, live.StartedAt)
		}
		n, err := db.MarkInterrupted(ctx, live.StartedAt)
		if err != nil || n != 1 {
			t.Fatalf("MarkInterrupted = %d, %v; want 1", n, err)
		}
		for id, want := range map[string]string{old.ID: store.StatusInterrupted, live.ID: store.StatusRunning} {
			if got, err := db.GetRun(ctx, id); err != nil || got.Status != want {
				t.Errorf("run %s: %v %v, want %s", id, got.Status, err, want)
			}
		}
	})

	t.Run("NicknameCarriedByLaterRuns", func(t *testing.T) {
		db := b.MustOpen(t)
		if nick, err := db.Nickname(ctx, "anon-1"); err != nil || nick != "" {
			t.Fatalf("Nickname of unknown learner = %q, %v", nick, err)
		}
		before := MustCreateRun(t, db, "l", "anon-1")
		if err := db.SetNickname(ctx, "anon-1", "Grace"); err != nil {
			t.Fatal(err)
		}
		if nick, err := db.Nickname(ctx, "anon-1"); err != nil || nick != "Grace" {
			t.Fatalf("Nickname = %q, %v", nick, err)
		}
		after := MustCreateRun(t, db, "l", "anon-1")
		if before.Nickname != "" || after.Nickname != "Grace" {
			t.Fatalf("nicknames %q then %q", before.Nickname, after.Nickname)
		}
		list, err := db.ListRuns(ctx, store.Filter{Learner: "anon-1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Nickname != "Grace" || list[1].Nickname != "" {
			t.Fatalf("listed %+v", list)
		}
	})
}

func TestListRuns(t *testing.T) { eachBackend(t, testListRuns) }

func testListRuns(t *testing.T, b backend) {
	ctx := context.Background()
	db := b.MustOpen(t)
	// Two learners, two lessons, interleaved.
	var ids = map[string][]string{} // learner/lesson -> ids, oldest first
	for i := 0; i < 40; i++ {
		learner, lesson := fmt.Sprintf("anon-%d", i%2), fmt.Sprintf("lesson-%d", i/2%2)
		r := MustCreateRun(t, db, lesson, learner)
		ids[learner+"/"+lesson] = append(ids[learner+"/"+lesson], r.ID)
		ids[learner+"/"] = append(ids[learner+"/"], r.ID)
		ids["/"+lesson] = append(ids["/"+lesson], r.ID)
		ids["/"] = append(ids["/"], r.ID)
	}
	newestFirst := func(s []string) []string {
		out := make([]string, len(s))
		for i := range s {
			out[i] = s[len(s)-1-i]
		}
		return out
	}

	t.Run("FiltersNewestFirst", func(t *testing.T) {
		for key, want := range ids {
			var f store.Filter
			f.Learner, f.Lesson, _ = cut(key)
			f.Limit = 100
			got, err := db.ListRuns(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			assertIDs(t, key, got, newestFirst(want))
		}
	})

	t.Run("LimitAndBeforePage", func(t *testing.T) {
		want := newestFirst(ids["anon-1/lesson-0"])
		var got []store.RunSummary
		f := store.Filter{Learner: "anon-1", Lesson: "lesson-0", Limit: 3}
		for {
			page, err := db.ListRuns(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 3 {
				t.Fatalf("page of %d runs with limit 3", len(page))
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			f.Before = page[len(page)-1].ID
		}
		assertIDs(t, "paged", got, want)
	})

	t.Run("DefaultLimit", func(t *testing.T) {
		got, err := db.ListRuns(ctx, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		assertIDs(t, "default", got, newestFirst(ids["/"])[:store.DefaultListLimit])
	})

	t.Run("NothingForMalformedBeforeOrUnknownLearner", func(t *testing.T) {
		for _, f := range []store.Filter{{Before: "' OR 1=1"}, {Learner: "' OR 1=1 --"}, {Before: event.NewRunID()}} {
			got, err := db.ListRuns(ctx, f)
			if err != nil || len(got) != 0 {
				t.Errorf("ListRuns(%+v) = %d runs, %v", f, len(got), err)
			}
		}
	})
}

func TestConcurrentWriters(t *testing.T) { eachBackend(t, testConcurrentWriters) }

func testConcurrentWriters(t *testing.T, b backend) {
	// 50 goroutines each create, append to and finish runs at the same
	// time as readers read them: no "database is locked", nothing lost.
	ctx := context.Background()
	db := b.MustOpen(t)
	const writers, runsEach, batches = 50, 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	ids := make(chan string, writers*runsEach)
	for w := 0; w < writers; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < runsEach; i++ {
				r := &store.Run{RunSummary: store.RunSummary{Lesson: "l", Learner: fmt.Sprintf("w%d", w)}}
				if err := db.CreateRun(ctx, r); err != nil {
					errs <- err
					return
				}
				evs := events(r.ID, batches*10)
				for b := 0; b < batches-1; b++ {
					if err := db.AppendEvents(ctx, r.ID, evs[b*10:(b+1)*10]); err != nil {
						errs <- err
						return
					}
				}
				if err := db.FinishRun(ctx, r.ID, store.Finish{Status: "ok", Events: evs[(batches-1)*10:]}); err != nil {
					errs <- err
					return
				}
				ids <- r.ID
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < runsEach; i++ {
				if _, err := db.ListRuns(ctx, store.Filter{Learner: fmt.Sprintf("w%d", w), Lesson: "l"}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	for id := range ids {
		n++
		got, err := db.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "ok" {
			t.Fatalf("run %s has status %q", id, got.Status)
		}
		assertEvents(t, got.Events, events(id, batches*10))
	}
	if n != writers*runsEach {
		t.Fatalf("%d runs finished, want %d", n, writers*runsEach)
	}
}

func TestRecorder(t *testing.T) { eachBackend(t, testRecorder) }

func testRecorder(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("BatchesAndFinishes", func(t *testing.T) {
		db := b.MustOpen(t)
		r := MustCreateRun(t, db, "l", "a")
		rec := db.NewRecorder(ctx, r.ID)
		evs := events(r.ID, store.RecorderMaxEvents*2+7)
		buf := make([]byte, 0, 512)
		for _, e := range evs[:len(evs)-1] {
			buf = append(buf[:0], e...) // the caller reuses its buffer
			if err := rec.Add(buf); err != nil {
				t.Fatal(err)
			}
		}
		// Full batches are written before the run ends.
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.EventCount != store.RecorderMaxEvents*2 {
			t.Fatalf("%d events stored while running, want %d", got.EventCount, store.RecorderMaxEvents*2)
		}
		if err := rec.Finish(ctx, store.Finish{Status: "ok", Events: evs[len(evs)-1:]}); err != nil {
			t.Fatal(err)
		}
		got, err = db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEvents(t, got.Events, evs)
		if err := rec.Add(evs[0]); !errors.Is(err, store.ErrFinished) {
			t.Fatalf("Add after Finish = %v", err)
		}
	})

	t.Run("RefusesInvalidEventAndKeepsTheRest", func(t *testing.T) {
		db := b.MustOpen(t)
		r := MustCreateRun(t, db, "l", "a")
		rec := db.NewRecorder(ctx, r.ID)
		evs := events(r.ID, 3)
		if err := rec.Add(evs[0]); err != nil {
			t.Fatal(err)
		}
		if err := rec.Add(json.RawMessage(`{"seq":2,`)); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("Add of broken JSON = %v, want ErrInvalid", err)
		}
		if err := rec.Finish(ctx, store.Finish{Status: "ok", Events: evs[1:]}); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEvents(t, got.Events, evs)
	})

	t.Run("KeepsABatchWhoseWriteFailed", func(t *testing.T) {
		db := b.MustOpen(t)
		r := MustCreateRun(t, db, "l", "a")
		// The run's context is cancelled (the learner pressed Stop):
		// batch writes fail, and Finish, with its own context, stores all.
		runCtx, cancel := context.WithCancel(ctx)
		cancel()
		rec := db.NewRecorder(runCtx, r.ID)
		evs := events(r.ID, store.RecorderMaxEvents+10)
		failed := 0
		for _, e := range evs {
			if err := rec.Add(e); err != nil {
				failed++
			}
		}
		if failed == 0 {
			t.Fatal("no batch write failed with a cancelled context")
		}
		if err := rec.Finish(ctx, store.Finish{Status: "stopped"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEvents(t, got.Events, evs)
	})

	t.Run("WritesAWaitingBatchAfterMaxDelay", func(t *testing.T) {
		if testing.Short() {
			t.Skip("waits for the recorder's delay")
		}
		db := b.MustOpen(t)
		r := MustCreateRun(t, db, "l", "a")
		rec := db.NewRecorder(ctx, r.ID)
		if err := rec.Add(events(r.ID, 1)[0]); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(store.RecorderMaxDelay + 5*time.Second)
		for {
			got, err := db.GetRun(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.EventCount == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a lone event was not written after RecorderMaxDelay")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := rec.Finish(ctx, store.Finish{Status: "ok"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRunIDs(t *testing.T) {
	t.Run("NewRunIDIsValidAndUnique", func(t *testing.T) {
		seen := map[string]bool{}
		for i := 0; i < 10000; i++ {
			id := event.NewRunID()
			if !event.ValidRunID(id) {
				t.Fatalf("NewRunID gave invalid %q", id)
			}
			if seen[id] {
				t.Fatalf("NewRunID repeated %q", id)
			}
			seen[id] = true
		}
	})
	t.Run("MalformedIDsAreInvalid", func(t *testing.T) {
		good := event.NewRunID()
		for _, s := range []string{
			"", good[:21], good + "A", "AAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAA+A", "AAAAAAAAAAAAAAAAAAAA/A",
			"AAAAAAAAAAAAAAAAAAAAAB", // non-zero padding bits: not canonical
			"AAAAAAAAAAAAAAAAAAAA A", "AAAAAAAAAAAAAAAAAAAAA\n", "../../../../etc/passwd",
		} {
			if event.ValidRunID(s) {
				t.Errorf("ValidRunID(%q) = true", s)
			}
		}
	})
}

func cut(key string) (learner, lesson string, ok bool) {
	i := bytes.IndexByte([]byte(key), '/')
	return key[:i], key[i+1:], true
}

func assertIDs(t *testing.T, what string, got []store.RunSummary, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d runs, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i] {
			t.Fatalf("%s: run %d is %s, want %s", what, i, got[i].ID, want[i])
		}
	}
}

func assertEvents(t testing.TB, got, want []json.RawMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("event %d differs:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}
