package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mpplayground/store"
)

// manualClock is a clock a test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func newManualClock() *manualClock {
	return &manualClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// classStore opens an empty store of b on a manual clock.
func classStore(t *testing.T, b backend) (store.Store, *manualClock) {
	t.Helper()
	clock := newManualClock()
	return MustOpenWith(t, b.place(t), store.Options{Now: clock.Now}), clock
}

// MustCreateClass creates a class or fails the test.
func MustCreateClass(tb testing.TB, db store.Store, name string) store.Class {
	tb.Helper()
	c, err := db.CreateClass(context.Background(), name, time.Time{})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// MustJoin makes learner a member of class or fails the test.
func MustJoin(tb testing.TB, db store.Store, class int64, learner, name string) store.Member {
	tb.Helper()
	m, err := db.JoinClass(context.Background(), class, learner, name)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// attempt stores a finished run of an exercise: passed says whether its
// checks all passed; status is run.end's.
func attempt(tb testing.TB, db store.Store, learner, lesson, exercise, status string, passed bool) string {
	tb.Helper()
	ctx := context.Background()
	r := MustCreateRun(tb, db, lesson, learner)
	verdict := ""
	if exercise != "" || lesson != "" {
		verdict = fmt.Sprintf(`{"exercise":%q,"passed":%t,"solved":%t,"results":[]}`, exercise, passed, passed && exercise != "")
	}
	if err := db.FinishRun(ctx, r.ID, store.Finish{Status: status, Exercise: verdict, Solved: passed && exercise != ""}); err != nil {
		tb.Fatal(err)
	}
	return r.ID
}

func TestClassCreate(t *testing.T) { eachBackend(t, testClassCreate) }

func testClassCreate(t *testing.T, b backend) {
	ctx := context.Background()
	db, clock := classStore(t, b)

	t.Run("GetsAShortUnambiguousCodeAndATrimmedName", func(t *testing.T) {
		c, err := db.CreateClass(ctx, "  Year 9   Physics ", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "Year 9 Physics" || c.ID == 0 || !c.CreatedAt.Equal(clock.Now()) || !c.ClosesAt.IsZero() {
			t.Errorf("class %+v", c)
		}
		if len(c.Code) != store.JoinCodeLen || strings.ContainsAny(c.Code, "01ILO") {
			t.Errorf("code %q", c.Code)
		}
		got, err := db.Class(ctx, c.ID)
		if err != nil || got.Code != c.Code || got.Name != c.Name {
			t.Errorf("Class: %+v, %v", got, err)
		}
	})
	t.Run("CodesDiffer", func(t *testing.T) {
		seen := map[string]bool{}
		for i := range 20 {
			c := MustCreateClass(t, db, fmt.Sprint("class ", i))
			if seen[c.Code] {
				t.Fatalf("code %s given twice", c.Code)
			}
			seen[c.Code] = true
		}
	})
	t.Run("KeepsTheClosingTime", func(t *testing.T) {
		closes := clock.Now().Add(48 * time.Hour)
		c, err := db.CreateClass(ctx, "闭课 class", closes)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Class(ctx, c.ID)
		if err != nil || !got.ClosesAt.Equal(closes) || got.Name != "闭课 class" {
			t.Errorf("got %+v, %v; want closing %v", got, err, closes)
		}
	})
	t.Run("RefusesEmptyLongOrControlNames", func(t *testing.T) {
		for _, name := range []string{"", "   ", strings.Repeat("名", store.MaxClassNameLen+1), "a\x00b", "tab\x07", "\xff\xfe"} {
			if _, err := db.CreateClass(ctx, name, time.Time{}); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%q: err %v, want ErrInvalid", name, err)
			}
		}
		if _, err := db.CreateClass(ctx, strings.Repeat("名", store.MaxClassNameLen), time.Time{}); err != nil {
			t.Errorf("a name of %d characters: %v", store.MaxClassNameLen, err)
		}
	})
	t.Run("IsFoundByItsCodeTypedLoosely", func(t *testing.T) {
		c := MustCreateClass(t, db, "loose")
		typed := strings.ToLower(c.Code[:4]) + " - " + c.Code[4:]
		got, err := db.ClassByCode(ctx, typed)
		if err != nil || got.ID != c.ID {
			t.Errorf("%q: %+v, %v", typed, got, err)
		}
		for _, code := range []string{"", "ABC", "AAAAAAAA", strings.Repeat("A", 1000), "<script>"} {
			if _, err := db.ClassByCode(ctx, code); !errors.Is(err, store.ErrClassNotFound) {
				t.Errorf("%q: err %v, want ErrClassNotFound", code, err)
			}
		}
	})
	t.Run("ListsNewestFirstWithMemberCounts", func(t *testing.T) {
		a := MustCreateClass(t, db, "older")
		c := MustCreateClass(t, db, "newer")
		MustJoin(t, db, c.ID, "learner-1", "Ada")
		list, err := db.Classes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) < 2 || list[0].ID != c.ID || list[1].ID != a.ID || list[0].Members != 1 || list[1].Members != 0 {
			t.Errorf("list starts %+v", list[:2])
		}
	})
}

func TestClassMembers(t *testing.T) { eachBackend(t, testClassMembers) }

func testClassMembers(t *testing.T, b backend) {
	ctx := context.Background()
	db, clock := classStore(t, b)
	c := MustCreateClass(t, db, "members")

	t.Run("JoinWithADisplayName", func(t *testing.T) {
		m := MustJoin(t, db, c.ID, "learner-a", " 李 明 ")
		if m.Name != "李 明" || !m.JoinedAt.Equal(clock.Now()) || m.ID == 0 {
			t.Errorf("member %+v", m)
		}
	})
	t.Run("JoiningAgainKeepsTheJoinTimeAndRenames", func(t *testing.T) {
		before := MustJoin(t, db, c.ID, "learner-b", "Bob")
		clock.Advance(time.Hour)
		again := MustJoin(t, db, c.ID, "learner-b", "Robert")
		if again.ID != before.ID || !again.JoinedAt.Equal(before.JoinedAt) || again.Name != "Robert" {
			t.Errorf("again %+v, before %+v", again, before)
		}
	})
	t.Run("ANameIsTakenOnce", func(t *testing.T) {
		if _, err := db.JoinClass(ctx, c.ID, "learner-c", "李 明"); !errors.Is(err, store.ErrNameTaken) {
			t.Errorf("err %v, want ErrNameTaken", err)
		}
	})
	t.Run("RefusesBadNames", func(t *testing.T) {
		for _, name := range []string{"", strings.Repeat("x", store.MaxMemberNameLen+1), "a\nb"} {
			if _, err := db.JoinClass(ctx, c.ID, "learner-d", name); !errors.Is(err, store.ErrBadName) {
				t.Errorf("%q: err %v, want ErrBadName", name, err)
			}
		}
	})
	t.Run("AClosedClassTakesNoNewcomerButKeepsItsMembers", func(t *testing.T) {
		closing, err := db.CreateClass(ctx, "closing", clock.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		MustJoin(t, db, closing.ID, "early", "Early")
		clock.Advance(time.Minute)
		if _, err := db.JoinClass(ctx, closing.ID, "late", "Late"); !errors.Is(err, store.ErrClassClosed) {
			t.Errorf("late: err %v, want ErrClassClosed", err)
		}
		if _, err := db.JoinClass(ctx, closing.ID, "early", "Early Bird"); err != nil {
			t.Errorf("a member renaming in a closed class: %v", err)
		}
	})
	t.Run("UnknownClass", func(t *testing.T) {
		if _, err := db.JoinClass(ctx, 999999, "learner-x", "X"); !errors.Is(err, store.ErrClassNotFound) {
			t.Errorf("err %v, want ErrClassNotFound", err)
		}
	})
	t.Run("ALearnerIsInSeveralClasses", func(t *testing.T) {
		other := MustCreateClass(t, db, "other")
		MustJoin(t, db, other.ID, "learner-a", "Li Ming")
		got, err := db.LearnerClasses(ctx, "learner-a")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Class.ID != other.ID || got[0].Name != "Li Ming" || got[1].Class.ID != c.ID || got[1].Name != "李 明" {
			t.Errorf("classes %+v", got)
		}
	})
	t.Run("RenameAndRemove", func(t *testing.T) {
		m := MustJoin(t, db, c.ID, "learner-e", "Eve")
		if err := db.RenameMember(ctx, c.ID, m.ID, "Robert"); !errors.Is(err, store.ErrNameTaken) {
			t.Errorf("rename to a taken name: %v", err)
		}
		if err := db.RenameMember(ctx, c.ID, m.ID, "Evelyn"); err != nil {
			t.Fatal(err)
		}
		if err := db.RenameMember(ctx, c.ID+1000, m.ID, "Evelyn"); !errors.Is(err, store.ErrMemberNotFound) {
			t.Errorf("rename in another class: %v", err)
		}
		if err := db.RemoveMember(ctx, c.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveMember(ctx, c.ID, m.ID); !errors.Is(err, store.ErrMemberNotFound) {
			t.Errorf("removing twice: %v", err)
		}
		ms, err := db.Members(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range ms {
			names = append(names, m.Name)
		}
		if got := strings.Join(names, ","); got != "Robert,李 明" {
			t.Errorf("members %s", got)
		}
	})
}

func TestClassRoster(t *testing.T) { eachBackend(t, testClassRoster) }

func testClassRoster(t *testing.T, b backend) {
	ctx := context.Background()
	db, _ := classStore(t, b)
	c := MustCreateClass(t, db, "roster")
	if err := db.SetRoster(ctx, c.ID, []string{"王芳", " Ada ", "Bob", "Ada"}); err != nil {
		t.Fatal(err)
	}
	MustJoin(t, db, c.ID, "learner-a", "Ada")

	t.Run("NamesAreCleanedDeduplicatedAndMarkedWhenTaken", func(t *testing.T) {
		got, err := db.Roster(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.RosterName{{Name: "Ada", Taken: true}, {Name: "Bob"}, {Name: "王芳"}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("roster %v, want %v", got, want)
		}
	})
	t.Run("ABadRosterChangesNothing", func(t *testing.T) {
		for _, names := range [][]string{
			{"Carol", strings.Repeat("x", store.MaxMemberNameLen+1)},
			{"Carol", ""},
			make([]string, store.MaxRosterNames+1),
		} {
			if err := db.SetRoster(ctx, c.ID, names); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("err %v, want ErrInvalid", err)
			}
		}
		got, _ := db.Roster(ctx, c.ID)
		if len(got) != 3 {
			t.Errorf("roster now %v", got)
		}
	})
	t.Run("UnknownClass", func(t *testing.T) {
		if err := db.SetRoster(ctx, 999999, []string{"A"}); !errors.Is(err, store.ErrClassNotFound) {
			t.Errorf("err %v", err)
		}
	})
}

func TestClassProgress(t *testing.T) { eachBackend(t, testClassProgress) }

func testClassProgress(t *testing.T, b backend) {
	ctx := context.Background()
	db, clock := classStore(t, b)
	c := MustCreateClass(t, db, "progress")
	tick := func() { clock.Advance(10 * time.Second) }

	// Ada ran before joining: those runs are not the class's.
	attempt(t, db, "ada", "pools", "four", "ok", true)
	tick()
	ada := MustJoin(t, db, c.ID, "ada", "Ada")
	tick()
	attempt(t, db, "ada", "pools", "four", "error", false)
	tick()
	firstPass := clock.Now()
	attempt(t, db, "ada", "pools", "four", "ok", true)
	tick()
	attempt(t, db, "ada", "pools", "four", "ok", false) // a failure after the pass
	tick()
	// Three failures in a row.
	bob := MustJoin(t, db, c.ID, "bob", "Bob")
	for range store.StuckFailsInRow {
		tick()
		attempt(t, db, "bob", "queues", "two", "error", false)
	}
	tick()
	// A hang.
	attempt(t, db, "bob", "pipes", "ping", "timeout", false)
	tick()
	// One failure, then silence.
	cat := MustJoin(t, db, c.ID, "cat", "Cat")
	tick()
	attempt(t, db, "cat", "locks", "count", "error", false)
	tick()
	attempt(t, db, "cat", "locks", "", "ok", true) // the example: activity, not an attempt
	MustCreateRun(t, db, "pools", "cat")           // running: not an attempt
	// Someone else's runs.
	attempt(t, db, "dan", "pools", "four", "ok", true)

	cell := func(p *store.ClassProgress, member int64, lesson, exercise string) (store.ProgressCell, bool) {
		for _, c := range p.Cells {
			if c.Member == member && c.Lesson == lesson && c.Exercise == exercise {
				return c, true
			}
		}
		return store.ProgressCell{}, false
	}

	t.Run("CountsOnlyRunsSinceJoining", func(t *testing.T) {
		p, err := db.ClassProgress(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Members) != 3 || p.Members[0].Name != "Ada" || p.Class.ID != c.ID {
			t.Fatalf("members %+v", p.Members)
		}
		a, ok := cell(p, ada.ID, "pools", "four")
		if !ok || a.Attempts != 3 || !a.Passed || !a.FirstPass.Equal(firstPass) || a.Stuck != "" || a.FailsInRow != 1 {
			t.Errorf("ada's cell %+v (first pass want %v)", a, firstPass)
		}
		if len(p.Cells) != 4 {
			t.Errorf("%d cells, want 4: %+v", len(p.Cells), p.Cells)
		}
	})
	t.Run("MarksTheStuck", func(t *testing.T) {
		p, err := db.ClassProgress(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if q, _ := cell(p, bob.ID, "queues", "two"); q.Stuck != store.StuckFails || q.Attempts != store.StuckFailsInRow || q.Passed {
			t.Errorf("bob's queues %+v", q)
		}
		if h, _ := cell(p, bob.ID, "pipes", "ping"); h.Stuck != store.StuckLimit || h.LastStatus != "timeout" {
			t.Errorf("bob's pipes %+v", h)
		}
		// Cat ran the example after the failure: not idle yet.
		if l, _ := cell(p, cat.ID, "locks", "count"); l.Stuck != "" || l.Attempts != 1 {
			t.Errorf("cat's locks before the quiet %+v", l)
		}
	})
	t.Run("IdleAfterAFailure", func(t *testing.T) {
		dee := MustJoin(t, db, c.ID, "dee", "Dee")
		tick()
		attempt(t, db, "dee", "locks", "count", "error", false)
		clock.Advance(store.StuckIdle - time.Second)
		p, _ := db.ClassProgress(ctx, c.ID)
		if l, _ := cell(p, dee.ID, "locks", "count"); l.Stuck != "" {
			t.Errorf("stuck before the idle time: %+v", l)
		}
		clock.Advance(time.Second)
		p, _ = db.ClassProgress(ctx, c.ID)
		if l, _ := cell(p, dee.ID, "locks", "count"); l.Stuck != store.StuckQuiet {
			t.Errorf("not idle after %v: %+v", store.StuckIdle, l)
		}
	})
	t.Run("AttemptsNewestFirst", func(t *testing.T) {
		list, err := db.MemberAttempts(ctx, c.ID, ada.ID, "pools", "four")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || !list[0].StartedAt.After(list[1].StartedAt) || list[2].Status != "error" {
			t.Errorf("attempts %+v", list)
		}
		if _, err := db.MemberAttempts(ctx, c.ID, 999999, "pools", "four"); !errors.Is(err, store.ErrMemberNotFound) {
			t.Errorf("unknown member: %v", err)
		}
	})
	t.Run("RemovingTheClassRemovesNoRun", func(t *testing.T) {
		before, err := db.CountRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteClass(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		after, err := db.CountRuns(ctx)
		if err != nil || after != before {
			t.Errorf("%d runs before, %d after (%v)", before, after, err)
		}
		if _, err := db.ClassProgress(ctx, c.ID); !errors.Is(err, store.ErrClassNotFound) {
			t.Errorf("progress of a removed class: %v", err)
		}
		if got, _ := db.LearnerClasses(ctx, "ada"); len(got) != 0 {
			t.Errorf("ada is still in %+v", got)
		}
		if err := db.DeleteClass(ctx, c.ID); !errors.Is(err, store.ErrClassNotFound) {
			t.Errorf("removing twice: %v", err)
		}
	})
}

// Runs kept before the exercise column get it from their stored verdict
// when the store is opened by this version; a verdict that is not JSON
// leaves it empty and stops nothing.
func TestTheExerciseColumnIsFilledFromOlderRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		place := b.place(t)
		db, err := store.Open(ctx, place)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		older := []string{
			`DROP TABLE class_roster`, `DROP TABLE class_members`, `DROP TABLE classes`,
			`DROP INDEX runs_learner_started`, `ALTER TABLE runs DROP COLUMN exercise_id`,
			`DELETE FROM schema_migrations WHERE name LIKE '%0003_classes.sql'`,
			`INSERT INTO runs (id, lesson, learner, source, started_at, status, exercise) VALUES
				('a', 'pools', 'ada', '', ` + startedAt(place) + `, 'ok', '{"exercise":"four","passed":true,"solved":true}'),
				('b', 'pools', 'ada', '', ` + startedAt(place) + `, 'ok', '{not json'),
				('c', 'pools', 'ada', '', ` + startedAt(place) + `, 'ok', '{"exercise":"","passed":true}')`,
		}
		rawExec(t, place, older...)
		MustOpenPath(t, place)
		got := rawQuery(t, place, `SELECT id || '=' || exercise_id FROM runs ORDER BY id`)
		if want := "a=four,b=,c="; got != want {
			t.Errorf("exercise ids %s, want %s", got, want)
		}
	})
}
