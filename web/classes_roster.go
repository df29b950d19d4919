package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"mpplayground/store"
)

// errRoster is a roster that cannot be read: the key of its sentence
// among the interface's strings ("class."+key), with a line number for
// its {n}.
type errRoster struct {
	key  string
	line int
}

func (e errRoster) Error() string { return fmt.Sprintf("roster: %s (line %d)", e.key, e.line) }

// rosterHeaders are first cells that name the column rather than a
// learner.
var rosterHeaders = map[string]bool{"name": true, "names": true, "learner": true, "student": true, "姓名": true, "名字": true, "学生": true}

// parseRoster reads the names of a roster: a CSV file (or pasted text)
// whose first column holds a name per row; a header row, blank rows and a
// byte order mark are skipped. It refuses a file that is not UTF-8, that
// is not CSV, or that has more names than a class may have.
func parseRoster(data []byte) ([]string, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, errRoster{key: "rosterNotUTF8"}
	}
	rd := csv.NewReader(bytes.NewReader(data))
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	rd.ReuseRecord = true
	var names []string
	for row := 1; ; row++ {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, errRoster{key: "rosterNotCSV", line: pe.Line}
			}
			return nil, errRoster{key: "rosterNotCSV", line: row}
		}
		name := strings.TrimSpace(rec[0])
		if name == "" || (len(names) == 0 && rosterHeaders[strings.ToLower(name)]) {
			continue
		}
		if _, ok := store.CleanName(name, store.MaxMemberNameLen); !ok {
			return nil, errRoster{key: "rosterBadName", line: row}
		}
		names = append(names, name)
		if len(names) > store.MaxRosterNames {
			return nil, errRoster{key: "rosterTooMany"}
		}
	}
	if len(names) == 0 {
		return nil, errRoster{key: "rosterEmpty"}
	}
	return names, nil
}

// handleRoster replaces the class's roster with an uploaded CSV file (the
// form's "file") or pasted names (its "names", a line each).
func (s *Server) handleRoster(w http.ResponseWriter, r *http.Request) {
	c, ok := s.classOf(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var data []byte
	if err := r.ParseMultipartForm(maxRosterUpload); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.classPage(w, r, c, http.StatusBadRequest, T(ctx, "class.rosterTooBig"), "")
		return
	}
	if f, _, err := r.FormFile("file"); err == nil {
		data, err = io.ReadAll(io.LimitReader(f, maxRosterUpload+1))
		f.Close()
		if err != nil || len(data) > maxRosterUpload {
			s.classPage(w, r, c, http.StatusBadRequest, T(ctx, "class.rosterTooBig"), "")
			return
		}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte(r.FormValue("names"))
	}
	names, err := parseRoster(data)
	if err != nil {
		var re errRoster
		if errors.As(err, &re) {
			s.classPage(w, r, c, http.StatusBadRequest, Tf(ctx, "class."+re.key, strconv.Itoa(re.line)), "")
			return
		}
		s.serverError(w, r, err)
		return
	}
	if err := s.cfg.Classes.SetRoster(ctx, c.ID, names); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			s.classPage(w, r, c, http.StatusBadRequest, Tf(ctx, "class.rosterBadName", "?"), "")
			return
		}
		s.serverError(w, r, err)
		return
	}
	backToClass(w, r, c.ID, "notice", "rosterImported")
}
