package web

import "mpplayground/lessons"

// lessonExtras is what the lesson page's scripts need beyond the lesson
// itself: the questions asked before a run of the example (predict.js)
// and each exercise's hints and solution (hints.js), in one language.
type lessonExtras struct {
	Predictions []predictionView          `json:"predictions"`
	Exercises   map[string]exerciseExtras `json:"exercises"`
}

// predictionView is one question; the page answers it from the run's
// events (lessons/predict.go lists the kinds).
type predictionView struct {
	Kind     string   `json:"kind"`
	Question string   `json:"question"`
	Name     string   `json:"name,omitempty"`
	Key      string   `json:"key,omitempty"`
	Text     string   `json:"text,omitempty"`
	Options  []string `json:"options,omitempty"`
}

// exerciseExtras are an exercise's hints (HTML, unlocked one per failed
// attempt) and its reference solution, offered after SolutionAfter
// failed attempts.
type exerciseExtras struct {
	Hints         []string `json:"hints"`
	SolutionAfter int      `json:"solution_after"`
	Solution      string   `json:"solution"`
}

// extrasCatalog is a Catalog that has extras for its lessons: the course
// of the lessons package has.
type extrasCatalog interface {
	lessonExtras(slug, lang string) (lessonExtras, bool, error)
}

func (lc lessonsCatalog) lessonExtras(slug, lang string) (lessonExtras, bool, error) {
	l, ok := lc.c.Lesson(slug)
	if !ok {
		return lessonExtras{}, false, nil
	}
	return extrasOf(l, lang)
}

func extrasOf(l *lessons.Lesson, lang string) (lessonExtras, bool, error) {
	x := lessonExtras{Predictions: []predictionView{}, Exercises: map[string]exerciseExtras{}}
	for _, p := range l.Predictions {
		x.Predictions = append(x.Predictions, predictionView{
			Kind: p.Kind, Question: p.Question.In(lang), Name: p.Name, Key: p.Key, Text: p.Text, Options: p.Options,
		})
	}
	for _, e := range l.Exercises {
		ee := exerciseExtras{Hints: []string{}, SolutionAfter: e.ShowSolutionAfter(), Solution: e.Solution}
		for _, h := range e.Hints {
			html, err := renderMarkdown(h.In(lang))
			if err != nil {
				return lessonExtras{}, false, err
			}
			ee.Hints = append(ee.Hints, html)
		}
		x.Exercises[e.ID] = ee
	}
	return x, true, nil
}

// The server's reloadable course has the extras of the course it holds now.
func (r *LessonsReloader) lessonExtras(slug, lang string) (lessonExtras, bool, error) {
	return r.catalog().lessonExtras(slug, lang)
}
