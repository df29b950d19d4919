package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Classroom is what a store keeps of classes: a teacher's groups of
// learners, joined with a short code, and their progress. A run belongs to
// a class when its learner is a member and it started at or after the
// member joined; joining, leaving or removing a class changes no run.
type Classroom interface {
	// CreateClass stores a new class with a fresh join code.
	CreateClass(ctx context.Context, name string, closesAt time.Time) (Class, error)
	// Classes returns every class, newest first.
	Classes(ctx context.Context) ([]Class, error)
	// Class returns one class.
	Class(ctx context.Context, id int64) (Class, error)
	// ClassByCode returns the class of a join code, typed loosely.
	ClassByCode(ctx context.Context, code string) (Class, error)
	// DeleteClass removes a class, its members and its roster; no run.
	DeleteClass(ctx context.Context, id int64) error

	// JoinClass makes a learner a member under a display name.
	JoinClass(ctx context.Context, class int64, learner, name string) (Member, error)
	// Members returns a class's members, by name.
	Members(ctx context.Context, class int64) ([]Member, error)
	// LearnerClasses returns the classes a learner is a member of.
	LearnerClasses(ctx context.Context, learner string) ([]Membership, error)
	// RenameMember gives a member another display name.
	RenameMember(ctx context.Context, class, member int64, name string) error
	// RemoveMember takes a learner out of a class; their runs stay.
	RemoveMember(ctx context.Context, class, member int64) error

	// SetRoster replaces the names a joining learner may pick from.
	SetRoster(ctx context.Context, class int64, names []string) error
	// Roster returns the roster's names, each marked when a member has it.
	Roster(ctx context.Context, class int64) ([]RosterName, error)

	// ClassProgress returns every member's record on every exercise.
	ClassProgress(ctx context.Context, class int64) (*ClassProgress, error)
	// MemberAttempts returns a member's runs of one exercise since
	// joining, newest first.
	MemberAttempts(ctx context.Context, class, member int64, lesson, exercise string) ([]RunSummary, error)
}

// Bounds of what a class holds, so that no request can make it grow
// without end. Names are counted in characters (runes).
const (
	MaxClassNameLen  = 80
	MaxMemberNameLen = 60
	MaxMembers       = 500 // learners of one class
	MaxRosterNames   = MaxMembers
	MaxClasses       = 1000 // classes kept at once
	// MaxAttemptsListed bounds MemberAttempts: the newest are listed.
	MaxAttemptsListed = 100
)

// JoinCodeLen is the length of a join code, of joinAlphabet's letters:
// 31^8 ≈ 8.5·10^11 codes, against a few hundred classes and throttled
// attempts (the web server's), is not guessed cheaply.
const JoinCodeLen = 8

// joinAlphabet has no letters that are easily misread (0/O, 1/I/L).
const joinAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// The stuck mark of a learner's exercise that is not passed yet.
const (
	// StuckFailsInRow failed attempts in a row, the latest last.
	StuckFailsInRow = 3
	// StuckIdle without any run after a failed attempt.
	StuckIdle = 5 * time.Minute
)

// Reasons for a stuck mark (ProgressCell.Stuck).
const (
	StuckFails = "fails" // StuckFailsInRow failed attempts in a row
	StuckLimit = "limit" // the latest attempt hung or hit a limit
	StuckQuiet = "idle"  // no run for StuckIdle after a failed attempt
)

// Errors of the class methods; test them with errors.Is. Their text is a
// plain sentence fit to show.
var (
	ErrClassNotFound  = errors.New("there is no class with that code")
	ErrClassClosed    = errors.New("this class is closed to new learners")
	ErrMemberNotFound = errors.New("that learner is not in the class")
	ErrNameTaken      = errors.New("another learner of the class has that name")
	ErrBadName        = fmt.Errorf("a name must have 1 to %d characters, none of them control characters", MaxMemberNameLen)
	ErrClassFull      = fmt.Errorf("the class is full (%d learners)", MaxMembers)
	ErrTooManyClasses = fmt.Errorf("there are %d classes already; remove one first", MaxClasses)
)

// Class is a teacher's group of learners.
type Class struct {
	ID        int64
	Name      string
	Code      string    // the join code (JoinCodeLen letters of joinAlphabet)
	ClosesAt  time.Time // zero: open for good
	CreatedAt time.Time
	Members   int // filled by Classes and Class
}

// Closed reports whether the class refuses new learners at now.
func (c Class) Closed(now time.Time) bool { return !c.ClosesAt.IsZero() && !now.Before(c.ClosesAt) }

// Member is a learner of a class.
type Member struct {
	ID       int64
	Class    int64
	Learner  string // the anonymous learner id; never shown
	Name     string
	JoinedAt time.Time
}

// Membership is one of a learner's classes.
type Membership struct {
	Class Class
	Name  string // the learner's name in the class
}

// RosterName is a name of a class's roster.
type RosterName struct {
	Name  string
	Taken bool // a member has the name
}

// ClassProgress is a class's grid: members down, exercises across.
type ClassProgress struct {
	Class   Class
	Members []Member       // by name
	Cells   []ProgressCell // a cell per member and exercise attempted
	At      time.Time      // when it was read, the clock of the stuck marks
}

// ProgressCell is one member's record on one exercise of one lesson.
type ProgressCell struct {
	Member     int64
	Lesson     string
	Exercise   string
	Attempts   int       // finished runs judged against the exercise
	Passed     bool      // one of them passed every check
	FirstTry   time.Time // the start of the first attempt
	FirstPass  time.Time // the start of the first passing attempt; zero if none
	LastAt     time.Time // the start of the latest attempt
	LastStatus string    // the latest attempt's status
	LastRun    string    // the latest attempt's id
	FailsInRow int       // failed attempts since the last pass, or since the first
	Stuck      string    // "", StuckFails, StuckLimit or StuckQuiet; never for a passed cell
}

// progressRow is a run of a member as the progress query reads it, in
// the order (member, started, n).
type progressRow struct {
	member   int64
	lesson   string
	exercise string // '' for an example or an unjudged run
	id       string
	started  time.Time
	status   string
	solved   bool
}

// progressFrom folds a member's runs, ordered by member then time, into
// cells. A running run is activity, not an attempt; a run of an example is
// activity too.
func progressFrom(rows []progressRow, now time.Time) []ProgressCell {
	type key struct {
		member           int64
		lesson, exercise string
	}
	cells := map[key]*ProgressCell{}
	var order []key
	lastActivity := map[int64]time.Time{}
	for _, r := range rows {
		if r.started.After(lastActivity[r.member]) {
			lastActivity[r.member] = r.started
		}
		if r.exercise == "" || r.status == StatusRunning {
			continue
		}
		k := key{r.member, r.lesson, r.exercise}
		c := cells[k]
		if c == nil {
			c = &ProgressCell{Member: r.member, Lesson: r.lesson, Exercise: r.exercise, FirstTry: r.started}
			cells[k] = c
			order = append(order, k)
		}
		c.Attempts++
		c.LastAt, c.LastStatus, c.LastRun = r.started, r.status, r.id
		if r.solved {
			if !c.Passed {
				c.Passed, c.FirstPass = true, r.started
			}
			c.FailsInRow = 0
		} else {
			c.FailsInRow++
		}
	}
	out := make([]ProgressCell, 0, len(order))
	for _, k := range order {
		c := cells[k]
		switch {
		case c.Passed || c.FailsInRow == 0:
		case c.LastStatus == "timeout" || c.LastStatus == "limit":
			c.Stuck = StuckLimit
		case c.FailsInRow >= StuckFailsInRow:
			c.Stuck = StuckFails
		case now.Sub(lastActivity[c.Member]) >= StuckIdle && !lastActivity[c.Member].After(c.LastAt):
			c.Stuck = StuckQuiet
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Member != b.Member {
			return a.Member < b.Member
		}
		if a.Lesson != b.Lesson {
			return a.Lesson < b.Lesson
		}
		return a.Exercise < b.Exercise
	})
	return out
}

// verdictExercise is the exercise named by a stored verdict (see
// Finish.Exercise), "" when there is none or it does not parse.
func verdictExercise(verdict string) string {
	if verdict == "" {
		return ""
	}
	var v struct {
		Exercise string `json:"exercise"`
	}
	if json.Unmarshal([]byte(verdict), &v) != nil {
		return ""
	}
	return v.Exercise
}

// CleanName trims a display name or class name and checks it: 1 to max
// characters, valid UTF-8, no control characters (a tab or a line break
// included). Runs of spaces become one space.
func CleanName(s string, max int) (string, bool) {
	if !utf8.ValidString(s) || len(s) > 4*max+64 {
		return "", false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return "", false
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		return "", false
	}
	return s, true
}

// NormalizeCode turns a code as a learner may type it (lower case, with
// spaces or dashes) into its stored form; ok is false when it cannot be a
// code.
func NormalizeCode(s string) (string, bool) {
	if len(s) > 4*JoinCodeLen {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
		case r < utf8.RuneSelf && strings.IndexByte(joinAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != JoinCodeLen {
		return "", false
	}
	return b.String(), true
}

// newJoinCode returns a random code; every letter is uniform over
// joinAlphabet (rand.Text's way: rejection of the bytes past a multiple).
func newJoinCode() string {
	const limit = 256 - 256%len(joinAlphabet)
	out := make([]byte, 0, JoinCodeLen)
	var buf [16]byte
	for len(out) < JoinCodeLen {
		rand.Read(buf[:]) // never fails: it crashes the program first
		for _, c := range buf {
			if int(c) < limit && len(out) < JoinCodeLen {
				out = append(out, joinAlphabet[int(c)%len(joinAlphabet)])
			}
		}
	}
	return string(out)
}

// joinCodeTries bounds the fresh codes tried when one is taken already.
const joinCodeTries = 5

// cleanRoster checks and deduplicates a roster's names, keeping their
// order.
func cleanRoster(names []string) ([]string, error) {
	if len(names) > MaxRosterNames {
		return nil, fmt.Errorf("%w: a roster has at most %d names", ErrInvalid, MaxRosterNames)
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(names))
	for i, n := range names {
		c, ok := CleanName(n, MaxMemberNameLen)
		if !ok {
			return nil, fmt.Errorf("%w: name %d of the roster: %w", ErrInvalid, i+1, ErrBadName)
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// cleanClassName checks a class's name.
func cleanClassName(name string) (string, error) {
	c, ok := CleanName(name, MaxClassNameLen)
	if !ok {
		return "", fmt.Errorf("%w: a class name must have 1 to %d characters, none of them control characters", ErrInvalid, MaxClassNameLen)
	}
	return c, nil
}
