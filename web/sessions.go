package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// A teacher who signs in gets a session: a random id in a cookie, known to
// the server until it expires or the teacher signs out. The sessions live
// in memory, so all of them end when the server restarts, and with them
// any that a change of --teacher-token would otherwise leave open.
const (
	// teacherSessionAge covers a school day; then the teacher signs in again.
	teacherSessionAge = 12 * time.Hour
	// teacherSessionBytes of randomness name a session (256 bits).
	teacherSessionBytes = 32
	// maxTeacherSessions bounds the sessions kept; the oldest go first.
	maxTeacherSessions = 256
)

// teacherSessions are the signed-in teachers. The map is keyed by a hash
// of the id, so that it holds no cookie and a lookup's time says nothing
// about the ids it holds.
type teacherSessions struct {
	now func() time.Time

	mu      sync.Mutex
	expires map[[sha256.Size]byte]time.Time
	teacher map[[sha256.Size]byte]string // who signed in
	roster  []Teacher                    // the teachers of a file (teachers.go)
}

// list returns the teachers of a file.
func (ts *teacherSessions) list() []Teacher {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.roster
}

// setList replaces the teachers of a file and returns the old ones.
func (ts *teacherSessions) setList(list []Teacher) []Teacher {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	old := ts.roster
	ts.roster = append([]Teacher(nil), list...)
	return old
}

func newTeacherSessions() *teacherSessions {
	return &teacherSessions{now: time.Now, expires: map[[sha256.Size]byte]time.Time{}, teacher: map[[sha256.Size]byte]string{}}
}

// create starts a session of the named teacher and returns its id.
func (ts *teacherSessions) create(name string) string {
	b := make([]byte, teacherSessionBytes)
	rand.Read(b) // never fails: it crashes the program first
	id := hex.EncodeToString(b)
	now := ts.now()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.dropExpired(now)
	for len(ts.expires) >= maxTeacherSessions {
		ts.dropOldest()
	}
	k := sha256.Sum256([]byte(id))
	ts.expires[k] = now.Add(teacherSessionAge)
	ts.teacher[k] = name
	return id
}

// valid reports whether id names a session that has not expired.
func (ts *teacherSessions) valid(id string) bool {
	_, ok := ts.who(id)
	return ok
}

// who returns the teacher of a session that has not expired.
func (ts *teacherSessions) who(id string) (string, bool) {
	if len(id) != 2*teacherSessionBytes {
		return "", false
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	k := sha256.Sum256([]byte(id))
	exp, ok := ts.expires[k]
	return ts.teacher[k], ok && ts.now().Before(exp)
}

// revokeTeacher ends every session of the named teacher, and returns how
// many there were.
func (ts *teacherSessions) revokeTeacher(name string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	n := 0
	for k, t := range ts.teacher {
		if t == name {
			delete(ts.expires, k)
			delete(ts.teacher, k)
			n++
		}
	}
	return n
}

// revoke ends the session id.
func (ts *teacherSessions) revoke(id string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	k := sha256.Sum256([]byte(id))
	delete(ts.expires, k)
	delete(ts.teacher, k)
}

func (ts *teacherSessions) dropExpired(now time.Time) {
	for k, exp := range ts.expires {
		if !now.Before(exp) {
			delete(ts.expires, k)
			delete(ts.teacher, k)
		}
	}
}

func (ts *teacherSessions) dropOldest() {
	var oldest [sha256.Size]byte
	var first time.Time
	for k, exp := range ts.expires {
		if first.IsZero() || exp.Before(first) {
			oldest, first = k, exp
		}
	}
	delete(ts.expires, oldest)
	delete(ts.teacher, oldest)
}
