package web

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// More than one teacher may sign in, each with a token of their own: a
// teachers file (--teachers) has a line per teacher, "name token", beside
// or instead of the one --teacher-token (whose teacher is named
// "--teacher-token"). A session knows its teacher, so that a teacher can end all
// of theirs at once and a teacher taken out of the file loses them.
const (
	// MinTeacherTokenLen keeps tokens of a file out of a guesser's reach
	// even before the sign-in throttle.
	MinTeacherTokenLen = 16
	maxTeacherTokenLen = 256
	maxTeacherNameLen  = 64
	// MaxTeachers bounds a teachers file.
	MaxTeachers = 200
	// maxTeachersFile bounds the bytes read of it.
	maxTeachersFile = 1 << 20
	// defaultTeacherName names the teacher of --teacher-token; no name of
	// a file starts with a dash.
	defaultTeacherName = "--teacher-token"
)

// Teacher is a teacher who may sign in.
type Teacher struct {
	Name  string
	Token string
}

// ParseTeachers reads a teachers file: a line per teacher, a name and a
// token separated by spaces; blank lines and lines starting with # are
// skipped. Names and tokens are unique; a token has at least
// MinTeacherTokenLen characters. An error names the line.
func ParseTeachers(r io.Reader) ([]Teacher, error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxTeachersFile))
	var out []Teacher
	names, tokens := map[string]bool{}, map[string]bool{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want a name and a token separated by a space", n)
		}
		name, token := f[0], f[1]
		if len(name) > maxTeacherNameLen || strings.IndexFunc(name, unicode.IsControl) >= 0 || strings.HasPrefix(name, "-") {
			return nil, fmt.Errorf("line %d: a name has at most %d bytes and does not start with a dash", n, maxTeacherNameLen)
		}
		if len(token) < MinTeacherTokenLen || len(token) > maxTeacherTokenLen {
			return nil, fmt.Errorf("line %d: the token of %s must have %d to %d characters", n, name, MinTeacherTokenLen, maxTeacherTokenLen)
		}
		if names[name] {
			return nil, fmt.Errorf("line %d: %s is named twice", n, name)
		}
		if tokens[token] {
			return nil, fmt.Errorf("line %d: the token of %s is another teacher's too", n, name)
		}
		names[name], tokens[token] = true, true
		out = append(out, Teacher{Name: name, Token: token})
		if len(out) > MaxTeachers {
			return nil, fmt.Errorf("more than %d teachers", MaxTeachers)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the teachers: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no teacher is listed")
	}
	return out, nil
}

// teacherViewOn reports whether anyone may sign in.
func (s *Server) teacherViewOn() bool {
	return s.cfg.TeacherToken != "" || len(s.teachers.list()) > 0
}

// SetTeachers replaces the teachers of Config.Teachers, as a reload of the
// teachers file does: a teacher no longer listed, or listed with another
// token, loses every session at once. The teacher of TeacherToken is not
// affected.
func (s *Server) SetTeachers(list []Teacher) {
	old := s.teachers.setList(list)
	kept := map[Teacher]bool{}
	for _, t := range list {
		kept[t] = true
	}
	for _, t := range old {
		if !kept[t] {
			if n := s.teachers.revokeTeacher(t.Name); n > 0 {
				s.log.Info("teacher's sessions ended by a new teachers file", "teacher", t.Name, "sessions", n)
			}
		}
	}
}

// teacherByToken returns the teacher whose token is given. Every token is
// compared, in constant time and hashed first, so that the answer's time
// says nothing of which one matched or of their lengths.
func (s *Server) teacherByToken(given string) (string, bool) {
	g := sha256.Sum256([]byte(given))
	name, found := "", 0
	check := func(t Teacher) {
		h := sha256.Sum256([]byte(t.Token))
		if subtle.ConstantTimeCompare(g[:], h[:]) == 1 {
			name, found = t.Name, 1
		}
	}
	if s.cfg.TeacherToken != "" {
		check(Teacher{Name: defaultTeacherName, Token: s.cfg.TeacherToken})
	}
	for _, t := range s.teachers.list() {
		check(t)
	}
	return name, found == 1
}
