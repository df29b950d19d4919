package lessons

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// Every built-in lesson asks at least one question before its example runs,
// in both languages, and every exercise has hints in both languages.
func TestPredictionsAndHints(t *testing.T) {
	c := MustLoad(t, "")
	if n := len(c.Lessons()); n < 26 {
		t.Fatalf("%d lessons, want at least 26", n)
	}
	for _, l := range c.Lessons() {
		if len(l.Predictions) == 0 {
			t.Errorf("%s: no prediction", l.Dir)
		}
		for i, p := range l.Predictions {
			for _, lang := range Languages {
				if strings.TrimSpace(p.Question[lang]) == "" {
					t.Errorf("%s: predictions[%d] has no %s question", l.Dir, i, lang)
				}
			}
		}
		for _, ex := range l.Exercises {
			if len(ex.Hints) < 2 {
				t.Errorf("%s/%s: %d hints, want at least 2", l.Dir, ex.ID, len(ex.Hints))
			}
			for i, h := range ex.Hints {
				for _, lang := range Languages {
					if strings.TrimSpace(h[lang]) == "" {
						t.Errorf("%s/%s: hint %d has no %s text", l.Dir, ex.ID, i+1, lang)
					}
				}
			}
			if got := ex.ShowSolutionAfter(); got != len(ex.Hints)+1 && ex.SolutionAfter == 0 {
				t.Errorf("%s/%s: solution after %d failures", l.Dir, ex.ID, got)
			}
		}
	}
}

func TestPredictionValidate(t *testing.T) {
	q := Text{"en": "?"}
	good := []Prediction{
		{Kind: PredictProcesses, Question: q, Name: "^w-"},
		{Kind: PredictMaxAlive, Question: q},
		{Kind: PredictValue, Question: q, Key: "n"},
		{Kind: PredictFirst, Question: q, Options: []string{"a", "b"}},
		{Kind: PredictLines, Question: q, Text: "x"},
	}
	for _, p := range good {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	bad := map[string]Prediction{
		"unknown kind":       {Kind: "guess", Question: q},
		"no question":        {Kind: PredictProcesses},
		"value without key":  {Kind: PredictValue, Question: q},
		"first with one":     {Kind: PredictFirst, Question: q, Options: []string{"a"}},
		"first same twice":   {Kind: PredictFirst, Question: q, Options: []string{"a", "a"}},
		"lines without text": {Kind: PredictLines, Question: q},
		"bad name":           {Kind: PredictProcesses, Question: q, Name: "("},
		"processes with key": {Kind: PredictProcesses, Question: q, Key: "n"},
		"unknown language":   {Kind: PredictMaxAlive, Question: Text{"en": "?", "fr": "?"}},
	}
	for what, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}

// A teacher's folder with malformed predictions or hints is refused, each
// problem naming its file.
func TestLoadRejectsBadHintsAndPredictions(t *testing.T) {
	src, err := os.ReadDir(filepath.Join("02-starting-a-process"))
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{}
	for _, e := range src {
		b, err := os.ReadFile(filepath.Join("02-starting-a-process", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files["50-copy/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	files["50-copy/predictions.json"] = &fstest.MapFile{Data: []byte(`[{"kind":"first","question":{"en":"?"},"options":["a"]}]`)}
	files["50-copy/three-workers.hints.zh.md"] = &fstest.MapFile{Data: []byte("只有一个提示\n")}
	_, err = loadFS(files, ".", "test")
	if err == nil {
		t.Fatal("loaded")
	}
	for _, want := range []string{"50-copy/predictions.json: [0]: first needs options", "50-copy/three-workers.hints.zh.md: 1 hints, but three-workers.hints.en.md has 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	files["50-copy/predictions.json"] = &fstest.MapFile{Data: []byte(`[{"kind":"lines","question":{"en":"?"},"text":"x","extra":1}]`)}
	if _, err := loadFS(files, ".", "test"); err == nil || !strings.Contains(err.Error(), `unknown field "extra"`) {
		t.Errorf("unknown field: %v", err)
	}
}

func TestSplitHints(t *testing.T) {
	got := splitHints("one\n---\ntwo\r\n---  \n\n---\nthree `---` inline\n")
	want := []string{"one", "two", "three `---` inline"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%q", got)
	}
}
