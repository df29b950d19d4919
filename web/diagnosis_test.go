package web

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mpplayground/event"
)

// docLabels are the lines of a section of docs/diagnosis.md that hold the
// catalogue's texts, in order: language, then part.
var docLabels = []struct{ lang, part, label string }{
	{"en", "title", "Title"}, {"en", "why", "Why"}, {"en", "fix", "Fix"},
	{"zh", "title", "标题"}, {"zh", "why", "原因"}, {"zh", "fix", "改法"},
}

func (t diagnosisText) part(p string) string {
	switch p {
	case "title":
		return t.Title
	case "why":
		return t.Why
	}
	return t.Fix
}

// docSections splits docs/diagnosis.md at its headings "## `id`".
func docSections(t *testing.T) (ids []string, sections map[string]string) {
	t.Helper()
	b, err := os.ReadFile("../docs/diagnosis.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile("(?m)^## `([a-z-]+)`$")
	doc := string(b)
	at := heading.FindAllStringSubmatchIndex(doc, -1)
	sections = map[string]string{}
	for i, m := range at {
		end := len(doc)
		if i+1 < len(at) {
			end = at[i+1][0]
		}
		id := doc[m[2]:m[3]]
		ids = append(ids, id)
		sections[id] = doc[m[1]:end]
	}
	return ids, sections
}

func TestDiagnosisCatalogue(t *testing.T) {
	t.Run("EveryPatternInEveryLanguage", func(t *testing.T) {
		for _, p := range event.Patterns {
			for _, lang := range languages {
				d, ok := diagnosisCatalogue[p][lang]
				if !ok || d.Title == "" || d.Why == "" || d.Fix == "" {
					t.Errorf("%s has no complete text in %s: %+v", p, lang, d)
				}
				// The texts are sentences; code is between backquotes, in pairs.
				for _, s := range []string{d.Why, d.Fix} {
					if strings.Count(s, "`")%2 != 0 {
						t.Errorf("%s (%s): unpaired backquote in %q", p, lang, s)
					}
					if strings.ContainsAny(s, "\n") {
						t.Errorf("%s (%s): a text is one line: %q", p, lang, s)
					}
				}
				if lang == "zh" && !hasHan(d.Title+d.Why+d.Fix) {
					t.Errorf("%s has no Chinese text", p)
				}
			}
		}
		for p := range diagnosisCatalogue {
			if !slices.Contains(event.Patterns, p) {
				t.Errorf("the catalogue has %q, which event.Patterns lacks", p)
			}
		}
	})

	t.Run("TheDocsSayTheSame", func(t *testing.T) {
		ids, sections := docSections(t)
		if !slices.Equal(ids, event.Patterns) {
			t.Fatalf("docs/diagnosis.md has the sections %v, want one per pattern in the order of event.Patterns: %v", ids, event.Patterns)
		}
		for _, p := range event.Patterns {
			sec := sections[p]
			if !strings.Contains(sec, "```python\n") {
				t.Errorf("docs/diagnosis.md: %s has no example program", p)
			}
			// The labelled lines, in order, each the catalogue's text.
			var got []string
			for _, line := range strings.Split(sec, "\n") {
				if strings.HasPrefix(line, "- **") {
					got = append(got, line)
				}
			}
			var want []string
			for _, l := range docLabels {
				want = append(want, "- **"+l.label+":** "+diagnosisCatalogue[p][l.lang].part(l.part))
			}
			if !slices.Equal(got, want) {
				t.Errorf("docs/diagnosis.md, %s: the lines\n%s\nwant\n%s", p, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	})

	t.Run("ThePageGetsThemInItsLanguage", func(t *testing.T) {
		for _, lang := range languages {
			m := clientStrings(lang)
			for _, p := range event.Patterns {
				for _, part := range []string{"title", "why", "fix"} {
					if got, want := m["diag."+p+"."+part], diagnosisCatalogue[p][lang].part(part); got != want {
						t.Errorf("%s: diag.%s.%s is %q, want %q", lang, p, part, got, want)
					}
				}
			}
		}
	})
}
