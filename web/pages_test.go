package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"testing"

	"mpplayground/runner"

	"github.com/PuerkitoBio/goquery"
)

func TestIndexPage(t *testing.T) {
	_, ts := MustServer(t, Config{})
	res, doc := MustGet(t, nil, ts.URL+"/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	t.Run("ListsTheLessonsInOrder", func(t *testing.T) {
		items := byTestID(doc, "lesson-item")
		if items.Length() != 2 {
			t.Fatalf("%d lessons listed, want 2", items.Length())
		}
		if s, _ := items.Eq(0).Attr("data-slug"); s != "pool" {
			t.Errorf("first lesson %q, want pool", s)
		}
		if href, _ := items.Eq(1).Find("a").Attr("href"); href != "/lessons/sleep" {
			t.Errorf("second lesson links to %q", href)
		}
		if !strings.Contains(items.Eq(0).Text(), "Hand work to several processes") {
			t.Errorf("summary missing: %q", items.Eq(0).Text())
		}
	})
	t.Run("ShowsProgressWhenKnown", func(t *testing.T) {
		_, ts := MustServer(t, Config{Progress: fixedProgress{"pool": {Runs: 3, Passed: true}, "sleep": {Runs: 2}}})
		_, doc := MustGet(t, nil, ts.URL+"/")
		p := byTestID(doc, "progress")
		if !strings.Contains(p.Eq(0).Text(), "passed") || !strings.Contains(p.Eq(1).Text(), "2") {
			t.Errorf("progress %q / %q", p.Eq(0).Text(), p.Eq(1).Text())
		}
	})
	t.Run("LoadsNoScript", func(t *testing.T) {
		if doc.Find("script[src]").Length() != 0 {
			t.Error("the home page needs no script")
		}
	})
}

type fixedProgress map[string]LessonProgress

func (f fixedProgress) Progress(_ context.Context, _ string) (map[string]LessonProgress, error) {
	return f, nil
}

func TestLessonPage(t *testing.T) {
	_, ts := MustServer(t, Config{})
	res, doc := MustGet(t, nil, ts.URL+"/lessons/pool")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	t.Run("RendersTheProseWithItsPythonCode", func(t *testing.T) {
		prose := byTestID(doc, "prose")
		if got := byTestID(doc, "lesson-title").Text(); got != "A pool of workers" {
			t.Errorf("title %q", got)
		}
		if prose.Find("strong").First().Text() != "Pool" {
			t.Error("Markdown emphasis not rendered")
		}
		// The page colours it (static/src/highlight.js; TestBrowser checks).
		if code := prose.Find("pre code.language-python"); code.Length() == 0 || !strings.Contains(code.Text(), "Pool") {
			t.Errorf("no Python code block: %s", prose.Find("pre").Text())
		}
	})
	t.Run("DropsRawHTMLFromTheProse", func(t *testing.T) {
		if byTestID(doc, "prose").Find("script").Length() != 0 {
			t.Error("a <script> in the Markdown reached the page")
		}
	})
	t.Run("PutsTheExampleInTheEditor", func(t *testing.T) {
		code := byTestID(doc, "code")
		if code.Text() != poolProgram {
			t.Errorf("editor holds %q", code.Text())
		}
	})
	t.Run("HasTheControlsAndViews", func(t *testing.T) {
		for _, id := range []string{"run", "stop", "reset", "status", "tree", "timeline", "output", "filter", "stdin-form", "checks"} {
			if byTestID(doc, id).Length() != 1 {
				t.Errorf("no single element with data-testid=%q", id)
			}
		}
		if _, ok := byTestID(doc, "stop").Attr("disabled"); !ok {
			t.Error("Stop is enabled before anything runs")
		}
		if k, _ := byTestID(doc, "run").Attr("aria-keyshortcuts"); !strings.Contains(k, "Control+Enter") {
			t.Errorf("Run announces shortcut %q", k)
		}
		if l, _ := doc.Find("[data-playground]").Attr("data-lesson"); l != "pool" {
			t.Errorf("data-lesson %q", l)
		}
	})
	t.Run("LinksTheNeighbours", func(t *testing.T) {
		if byTestID(doc, "prev").Length() != 0 {
			t.Error("the first lesson has a previous link")
		}
		if href, _ := byTestID(doc, "next").Attr("href"); href != "/lessons/sleep" {
			t.Errorf("next links to %q", href)
		}
	})
	t.Run("EmbedsTheInterfaceStrings", func(t *testing.T) {
		var m map[string]string
		if err := json.Unmarshal([]byte(doc.Find("script#ui-strings").Text()), &m); err != nil {
			t.Fatalf("ui-strings: %v", err)
		}
		if m["queued"] == "" || m["status.stopped"] == "" {
			t.Errorf("strings missing: %v", m)
		}
	})
	t.Run("LoadsOnlyLocalVersionedAssets", func(t *testing.T) {
		doc.Find("script[src], link[href]").Each(func(_ int, s *goquery.Selection) {
			u := s.AttrOr("src", s.AttrOr("href", ""))
			if !strings.HasPrefix(u, "/static/") || !strings.Contains(u, "?v=") {
				t.Errorf("asset %q is not a local versioned URL", u)
			}
			res, err := http.Get(ts.URL + u)
			if err != nil || res.StatusCode != 200 {
				t.Errorf("GET %s: %v %v", u, err, res.Status)
				return
			}
			res.Body.Close()
			if !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s is not cacheable: %q", u, res.Header.Get("Cache-Control"))
			}
		})
	})
	t.Run("SetsASecurityPolicy", func(t *testing.T) {
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
	})
}

func TestNotFound(t *testing.T) {
	_, ts := MustServer(t, Config{})
	for _, path := range []string{"/lessons/no-such-lesson", "/nowhere", "/static/nothing.css"} {
		res, doc := MustGet(t, nil, ts.URL+path)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d", path, res.StatusCode)
		}
		if doc != nil && byTestID(doc, "not-found").Length() != 1 {
			t.Errorf("%s: not the not-found page", path)
		}
	}
}

func TestLanguage(t *testing.T) {
	_, ts := MustServer(t, Config{})
	t.Run("FollowsAcceptLanguage", func(t *testing.T) {
		_, doc := MustGet(t, nil, ts.URL+"/", "Accept-Language", "zh-CN,zh;q=0.9")
		if l, _ := doc.Find("html").Attr("lang"); l != "zh-Hans" {
			t.Errorf("html lang %q", l)
		}
		if !strings.Contains(doc.Find("h1").Text(), "课程") {
			t.Errorf("heading %q not in Chinese", doc.Find("h1").Text())
		}
	})
	t.Run("QueryParameterIsRemembered", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		MustGet(t, c, ts.URL+"/?lang=zh")
		_, doc := MustGet(t, c, ts.URL+"/lessons/pool", "Accept-Language", "en")
		if got := byTestID(doc, "run").Text(); !strings.Contains(got, "运行") {
			t.Errorf("Run button %q not in Chinese", got)
		}
		if a := byTestID(doc, "lang-switch").Find(`a[aria-current="true"]`).AttrOr("hreflang", ""); a != "zh" {
			t.Errorf("switch marks %q as current", a)
		}
	})
}

func TestEveryTemplateStringIsDefined(t *testing.T) {
	re := regexp.MustCompile(`Tf?\(ctx, "([^"]+)"`)
	files, _ := os.ReadDir(".")
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".templ") {
			continue
		}
		b, _ := os.ReadFile(f.Name())
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := uiStrings["en"][m[1]]; !ok {
				t.Errorf("%s uses undefined string %q", f.Name(), m[1])
			}
		}
	}
}

func TestAssets(t *testing.T) {
	_, ts := MustServer(t, Config{})
	for path, ctype := range map[string]string{
		"/static/js/app.js":    "javascript",
		"/static/css/app.css":  "text/css",
		"/static/img/icon.svg": "image/svg+xml",
	} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || len(b) == 0 || !strings.Contains(res.Header.Get("Content-Type"), ctype) {
			t.Errorf("%s: %s %q, %d bytes", path, res.Status, res.Header.Get("Content-Type"), len(b))
		}
	}
}

// The page learns the largest program the server takes from the server.
func TestTheLessonPageStatesTheProgramLimit(t *testing.T) {
	_, ts := MustServer(t, Config{Executor: idleExecutor})
	res, err := http.Get(ts.URL + "/lessons/" + testCatalog().Lessons("en")[0].Slug)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := fmt.Sprintf(`data-max-program="%d"`, runner.MaxProgramBytes); !strings.Contains(string(b), want) {
		t.Errorf("the lesson page does not say %s", want)
	}
}
