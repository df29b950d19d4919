package lessons

import (
	"fmt"
	"regexp"
	"strings"
)

// Prediction kinds: the closed set of questions a lesson may ask before a
// run of its example. Each is answered from the run's events, by the page
// (static/src/predict.js); docs/lessons.md describes them.
const (
	PredictProcesses = "processes" // how many processes (matching name) start: proc.start events
	PredictMaxAlive  = "max_alive" // the most (matching) processes alive at once: proc.start/proc.exit
	PredictValue     = "value"     // the value printed after key (last line with "key =" or "key:")
	PredictFirst     = "first"     // which of two texts is printed first: output events
	PredictLines     = "lines"     // how many output lines contain a text: output events
)

// Prediction is a question asked before Run, answered by the learner and
// then by the run's events.
type Prediction struct {
	Kind     string `json:"kind"`
	Question Text   `json:"question"`
	// Name is a regular expression on process names (processes,
	// max_alive, value): only matching processes count.
	Name string `json:"name,omitempty"`
	// Key is the text before "=" or ":" whose value is asked (value).
	Key string `json:"key,omitempty"`
	// Text is the text counted in the output lines (lines).
	Text string `json:"text,omitempty"`
	// Options are the two texts of a "first" question; the answer is the
	// one whose first line comes first.
	Options []string `json:"options,omitempty"`
}

// PredictionKinds lists the kinds, in a stable order.
func PredictionKinds() []string {
	return []string{PredictProcesses, PredictMaxAlive, PredictValue, PredictFirst, PredictLines}
}

// Validate reports what is wrong with a prediction written in lesson.json.
func (p Prediction) Validate() error {
	switch p.Kind {
	case PredictProcesses, PredictMaxAlive:
		if p.Key != "" || p.Text != "" || len(p.Options) > 0 {
			return fmt.Errorf("%s takes only name", p.Kind)
		}
	case PredictValue:
		if strings.TrimSpace(p.Key) == "" {
			return fmt.Errorf("value needs key")
		}
		if p.Text != "" || len(p.Options) > 0 {
			return fmt.Errorf("value takes only key and name")
		}
	case PredictLines:
		if strings.TrimSpace(p.Text) == "" {
			return fmt.Errorf("lines needs text")
		}
		if p.Key != "" || len(p.Options) > 0 {
			return fmt.Errorf("lines takes only text and name")
		}
	case PredictFirst:
		if len(p.Options) != 2 || strings.TrimSpace(p.Options[0]) == "" || strings.TrimSpace(p.Options[1]) == "" || p.Options[0] == p.Options[1] {
			return fmt.Errorf("first needs options: two different texts")
		}
		if p.Name != "" || p.Key != "" || p.Text != "" {
			return fmt.Errorf("first takes only options")
		}
	default:
		return fmt.Errorf("unknown kind %q (known: %s)", p.Kind, strings.Join(PredictionKinds(), ", "))
	}
	if p.Question[DefaultLanguage] == "" {
		return fmt.Errorf("question needs at least an %q text", DefaultLanguage)
	}
	for lang := range p.Question {
		if !knownLanguage(lang) {
			return fmt.Errorf("question: unknown language %q (known: %s)", lang, strings.Join(Languages, ", "))
		}
	}
	if p.Name != "" {
		if _, err := regexp.Compile(p.Name); err != nil {
			return fmt.Errorf("name is not a valid regular expression: %v", err)
		}
	}
	return nil
}
