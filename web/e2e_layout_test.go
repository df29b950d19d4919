package web

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mpplayground/internal/testload"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The lesson page's layout during a run, on a laptop's screen and on a
// phone's, light and dark: what the learner needs while the run goes is on
// the screen without scrolling, and no bar covers a heading. Screenshots of
// the screen (not the whole page) go with the tests' artefacts.

// visibleJS tells whether the element sel names is on the screen and not
// covered by anything (the sticky bars): the point at its centre, and at
// its top left corner, hit it.
const visibleJS = `((sel) => {
	const e = typeof sel === 'string' ? document.querySelector(sel) : sel;
	if (!e) return false;
	const r = e.getBoundingClientRect();
	if (r.width === 0 || r.top < 0 || r.bottom > innerHeight + 0.5 || r.left < 0 || r.right > innerWidth + 0.5) return false;
	const hits = (x, y) => { const h = document.elementFromPoint(x, y); return !!h && (e === h || e.contains(h)); };
	return hits(r.left + r.width / 2, r.top + r.height / 2) && hits(r.left + Math.min(4, r.width / 2), r.top + Math.min(3, r.height / 2));
})`

// duringARun is what must be on the screen while a run goes: Run and
// Stop, the process tree, the timeline and the latest line of output.
const duringARun = `(() => {
	const v = ` + visibleJS + `;
	const rows = document.querySelectorAll('[data-testid=output-line]');
	return document.querySelector('[data-playground]').dataset.phase === 'running' && rows.length > 3 &&
		v('[data-testid=run]') && v('[data-testid=stop]') && v('[data-testid=proc-node]') &&
		v('[data-testid=timeline] svg') && v(rows[rows.length - 1]);
})()`

// A run of a few seconds: two processes print a line every 0.1 s.
const layoutProgram = "import multiprocessing as mp, time\r" +
	"def work(n): [(print(n, i, flush=True), time.sleep(0.1)) for i in range(60)]\r" +
	"if __name__ == '__main__': ps = [mp.Process(target=work, args=(n,)) for n in 'AB']; [p.start() for p in ps]; [p.join() for p in ps]\r"

func viewportShot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

func emulate(t *testing.T, ctx context.Context, w, h int64, mobile, dark bool) {
	t.Helper()
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		t.Fatal(err)
	}
	scale := 1.0
	if mobile {
		scale = 2
	}
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: w, Height: h, DeviceScaleFactor: scale, Mobile: mobile,
	}); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserLayoutDuringARun(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	_, ts := MustServer(t, Config{})
	ctx := newBrowser(t)
	dir := artifactsDir(t)

	run := func(t *testing.T, shot string, until string) {
		t.Helper()
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		do(t, ctx, typeProgram(layoutProgram),
			chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(`document.querySelectorAll('[data-testid=output-line]').length > 3`))
		// The views come into the screen (a smooth scroll) within a few
		// frames of the first lines; a long run leaves time to spare.
		deadline := time.Now().Add(testload.Scaled(t, 3*time.Second, 20))
		for !eval[bool](t, ctx, until) {
			if time.Now().After(deadline) {
				viewportShot(t, ctx, dir, "failed-"+shot)
				t.Fatalf("not all on the screen: %s", eval[string](t, ctx, `(() => { const v = `+visibleJS+`; const rows = document.querySelectorAll('[data-testid=output-line]');
					return JSON.stringify({ phase: document.querySelector('[data-playground]').dataset.phase, scrollY, run: v('[data-testid=run]'), stop: v('[data-testid=stop]'),
						tree: v('[data-testid=proc-node]'), timeline: v('[data-testid=timeline] svg'), last: v(rows[rows.length - 1]),
						lastRect: rows[rows.length - 1].getBoundingClientRect().toJSON(), h: innerHeight, views: document.querySelector(".views").getBoundingClientRect().top, out: document.querySelector(".output-card").getBoundingClientRect().toJSON(), doc: document.documentElement.scrollHeight, m: getComputedStyle(document.querySelector(".views")).scrollMarginTop, oh: document.querySelector("[data-testid=output]").getBoundingClientRect().toJSON() }); })()`))
			}
			time.Sleep(50 * time.Millisecond)
		}
		viewportShot(t, ctx, dir, shot)
	}

	t.Run("OnALaptopEverythingOfTheRunIsOnTheScreen", func(t *testing.T) {
		emulate(t, ctx, 1366, 768, false, false)
		run(t, "layout-laptop-running.png", duringARun)
		// A heading brought into view is not under the bars.
		for _, id := range []string{"tree-h", "timeline-h", "output-h", "editor-h"} {
			if !eval[bool](t, ctx, `(() => { document.getElementById('`+id+`').scrollIntoView(); return `+visibleJS+`('#`+id+`'); })()`) {
				t.Errorf("the heading #%s scrolled into view is covered", id)
			}
		}
		do(t, ctx, chromedp.Click(css("[data-testid=stop]")), waitJS(statusState+` === 'stopped'`))
	})

	t.Run("InTheDark", func(t *testing.T) {
		emulate(t, ctx, 1366, 768, false, true)
		run(t, "layout-laptop-dark-running.png", duringARun)
		do(t, ctx, chromedp.Click(css("[data-testid=stop]")), waitJS(statusState+` === 'stopped'`))
	})

	t.Run("OnAPhoneRunBringsTheViewsAndStopStays", func(t *testing.T) {
		emulate(t, ctx, 390, 844, true, true)
		v := visibleJS
		run(t, "layout-phone-dark-running.png", `(() => { const v = `+v+`;
			const views = document.querySelector('.views'), top = parseFloat(getComputedStyle(views).scrollMarginTop);
			return document.querySelector('[data-playground]').dataset.phase === 'running' &&
				Math.abs(views.getBoundingClientRect().top - top) < 3 &&
				v('[data-testid=stop]') && v('[data-testid=proc-node]') && v('[data-testid=timeline] svg'); })()`)
		// Further down, at the output, Stop is still at hand.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('.output-card').scrollIntoView()`),
			waitJS(`(`+v+`)('[data-testid=stop]') && (`+v+`)('#output-h')`))
		viewportShot(t, ctx, dir, "layout-phone-dark-output.png")
		if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the page is wider than a phone screen")
		}
		do(t, ctx, chromedp.Click(css("[data-testid=stop]")), waitJS(statusState+` === 'stopped'`))
	})
}
