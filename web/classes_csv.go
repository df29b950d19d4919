package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// csvBOM opens the export: without it, spreadsheets read UTF-8 as the
// system's code page and garble Chinese names.
const csvBOM = "\uFEFF"

// csvCell makes text safe for a spreadsheet: a cell that starts with = + -
// @ (or a tab or carriage return) would be read as a formula, so it is
// prefixed with an apostrophe, which spreadsheets show as text.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvTime is a time in the export: UTC, to the second, "" for none.
func csvTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// progressCSV writes the grid as CSV: a header row, then a row per learner
// with their name and time of joining and, per exercise, passed (1 or 0),
// attempts and the time of the first pass (UTC).
func progressCSV(ctx context.Context, g gridJSON) []byte {
	var buf bytes.Buffer
	buf.WriteString(csvBOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true // what spreadsheets write, and RFC 4180
	head := []string{T(ctx, "class.csvLearner"), T(ctx, "class.csvJoined")}
	for _, c := range g.Columns {
		name := c.LessonTitle + " / " + c.Title
		head = append(head,
			csvCell(name+" · "+T(ctx, "class.csvPassed")),
			csvCell(name+" · "+T(ctx, "class.csvAttempts")),
			csvCell(name+" · "+T(ctx, "class.csvFirstPass")))
	}
	cw.Write(head)
	cells := map[[2]int64]gridCell{}
	for _, c := range g.Cells {
		cells[[2]int64{c.Member, int64(c.Column)}] = c
	}
	for _, m := range g.Members {
		joined := m.Joined
		row := []string{csvCell(m.Name), csvTime(&joined)}
		for i := range g.Columns {
			c, ok := cells[[2]int64{m.ID, int64(i)}]
			passed := "0"
			if c.Passed {
				passed = "1"
			}
			if !ok {
				row = append(row, "0", "0", "")
				continue
			}
			row = append(row, passed, strconv.Itoa(c.Attempts), csvTime(c.FirstPass))
		}
		cw.Write(row)
	}
	cw.Flush()
	return buf.Bytes()
}

// handleProgressCSV downloads the class's grid as a CSV file.
func (s *Server) handleProgressCSV(w http.ResponseWriter, r *http.Request) {
	g, ok := s.classGrid(w, r)
	if !ok {
		return
	}
	b := progressCSV(r.Context(), g)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="class-%d-progress.csv"`, g.Class.ID))
	h.Set("Cache-Control", "no-store")
	w.Write(b)
}
