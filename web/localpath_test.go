package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Paths that a browser reads as another host, or as a path of another
// site, once it has dropped tabs and newlines and turned '\' into '/'.
var offsitePaths = []string{
	"//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/a/../\\evil.example",
	"https://evil.example", "http:evil.example", "\\\\evil.example", "evil.example", "", "/%5Cevil.example",
	"/%2F/evil.example", "/%09/evil.example",
}

func TestRedirectsAndLinksStayOnSite(t *testing.T) {
	db := MustStore(t)
	app, base := MustStoredServer(t, db, Config{Executor: idleExecutor})

	t.Run("TheNicknameFormGoesBackOnlyToAPageOfThisSite", func(t *testing.T) {
		cases := map[string]string{
			"/":                    "/",
			"/lessons/pool":        "/lessons/pool",
			"/lessons/pool?x=1#at": "/lessons/pool",
			"/nowhere":             "/",
			"/lessons/../teacher":  "/",
		}
		for _, p := range offsitePaths {
			cases[p] = "/"
		}
		for back, want := range cases {
			req, _ := http.NewRequest("POST", base+"/nickname", strings.NewReader(url.Values{"nickname": {"Ada"}, "back": {back}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", learnerCookie+"="+ada)
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || got != want {
				t.Errorf("back %q: %s to %q, want %q", back, res.Status, got, want)
			}
		}
	})

	t.Run("TheLanguageLinksOfTheNotFoundPageLeadHome", func(t *testing.T) {
		for _, p := range []string{"/%5Cevil.example", "/%5C%5Cevil.example", "/%09/evil.example", "/nowhere"} {
			res, doc := MustGet(t, nil, base+p)
			if res.StatusCode != http.StatusNotFound || doc == nil {
				t.Fatalf("%s: %s", p, res.Status)
			}
			links := byTestID(doc, "lang-switch").Find("a")
			if links.Length() == 0 {
				t.Fatalf("%s: no language links", p)
			}
			for i := range links.Length() {
				href := links.Eq(i).AttrOr("href", "")
				if !strings.HasPrefix(href, "/?lang=") {
					t.Errorf("%s: language link %q", p, href)
				}
			}
		}
	})

	t.Run("TheLanguageLinksOfAPageKeepItsPath", func(t *testing.T) {
		_, doc := MustGet(t, nil, base+"/lessons/pool")
		if href := byTestID(doc, "lang-switch").Find(`a[hreflang="zh"]`).AttrOr("href", ""); href != "/lessons/pool?lang=zh" {
			t.Errorf("language link %q", href)
		}
	})

	t.Run("OnlyRoutePathsAreLocal", func(t *testing.T) {
		for p, want := range map[string]string{
			"/": "/", "/lessons/pool": "/lessons/pool", "/lessons/a b": "/lessons/a%20b", "/teacher": "/teacher",
			"/lessons/pool/": "/", "/lessons/./pool": "/", "/nowhere": "/", "/static/x/../../teacher": "/",
		} {
			if got := app.localPath(p); got != want {
				t.Errorf("localPath(%q) = %q, want %q", p, got, want)
			}
		}
		for _, p := range offsitePaths {
			if got := app.localPath(p); got != "/" {
				t.Errorf("localPath(%q) = %q, want /", p, got)
			}
			if got := app.localRedirect(p); got != "/" {
				t.Errorf("localRedirect(%q) = %q, want /", p, got)
			}
		}
	})
}
