package web

import "mpplayground/lessons"

// checksMessage tells the page, after run.end, how the run fared against
// the checks of the example or of the exercise worked on (see "WebSocket
// additions" in docs/events.md). Texts are in the page's language.
type checksMessage struct {
	Type     string        `json:"type"` // "checks"
	RunID    string        `json:"run_id"`
	Exercise string        `json:"exercise"` // "" for the lesson's example
	Title    string        `json:"title"`    // the exercise's title, or the lesson's
	Passed   bool          `json:"passed"`   // every check passed
	Results  []checkResult `json:"results"`
}

type checkResult struct {
	Description string `json:"description"`
	Passed      bool   `json:"passed"`
	Detail      string `json:"detail,omitempty"`
}

func newChecksMessage(runID string, l Lesson, v lessons.Verdict, lang string) *checksMessage {
	m := &checksMessage{Type: "checks", RunID: runID, Exercise: v.Exercise, Title: l.Title, Passed: v.Passed,
		Results: checkResults(v.Results, lang)}
	if e, ok := l.exercise(v.Exercise); ok {
		m.Title = e.Title
	}
	return m
}

// checkResults are the results in the page's language.
func checkResults(rs []lessons.Result, lang string) []checkResult {
	out := make([]checkResult, len(rs))
	for i, r := range rs {
		out[i] = checkResult{Description: inLang(r.Description, lang), Passed: r.Passed, Detail: inLang(r.Detail, lang)}
	}
	return out
}
