package web

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// The page's script and style sheet have the hash of their content in
// their addresses and are cached for good under them; an address with
// another hash (a page loaded before an update) or none is still served,
// but checked again each time, so a browser never keeps an old file under
// a new page.
func TestBrowserAssetsAreCachedByTheirHash(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	_, ts := MustServer(t, Config{})
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Navigate(ts.URL+"/lessons/sleep"), chromedp.WaitVisible(css(".cm-editor")))
	got := evalAwait[map[string]string](t, ctx, `(async () => {
		const urls = [...document.querySelectorAll('script[src], link[rel=stylesheet]')].map(e => e.getAttribute('src') || e.getAttribute('href'));
		const out = {};
		for (const u of urls) {
			const bare = u.split('?')[0];
			for (const [k, url] of [['current ' + bare, u], ['old ' + bare, bare + '?v=000000000000'], ['bare ' + bare, bare]]) {
				const r = await fetch(url, { cache: 'no-store' });
				out[k] = r.status + ' ' + r.headers.get('Cache-Control');
			}
		}
		return out;
	})()`)
	if len(got) < 6 {
		t.Fatalf("assets: %v", got)
	}
	for k, v := range got {
		want := "200 no-cache"
		if k[:len("current")] == "current" {
			want = "200 public, max-age=31536000, immutable"
		}
		if v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
}
