package web

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func TestBrowserTeacherView(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{TeacherToken: teacherToken})
	dir := artifactsDir(t)
	ctx := newBrowser(t)

	t.Run("ARunAppearsWithoutAReloadAndOpens", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(base+"/teacher"),
			chromedp.WaitVisible(css("[data-testid=teacher-login-form]")),
			chromedp.SendKeys(css("[data-testid=teacher-token]"), teacherToken),
			chromedp.Click(css("[data-testid=teacher-signin]")),
			chromedp.WaitVisible(css("[data-testid=teacher-empty]")),
		)
		setNickname(t, base, ada, "Ada")
		id, _, _, _ := runOver(t, base, ada, runMsg("pool", poolProgram))
		start := time.Now()
		do(t, ctx, waitJS(`document.querySelectorAll('[data-testid=teacher-run]').length === 1`))
		t.Logf("the run appeared %v after it ended", time.Since(start).Round(time.Millisecond))
		if n := eval[string](t, ctx, `document.querySelector('[data-testid=teacher-nickname]').textContent`); n != "Ada" {
			t.Errorf("nickname %q", n)
		}
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=teacher-state]').dataset.state`); s != "live" {
			t.Errorf("state %q", s)
		}
		screenshot(t, ctx, dir, "teacher.png")
		do(t, ctx,
			chromedp.Click(css("[data-testid=teacher-open]")),
			chromedp.WaitVisible(css("[data-testid=replay]")),
			waitJS(`document.querySelector('[data-replay]').dataset.phase === 'done'`),
		)
		if u := eval[string](t, ctx, `location.pathname`); u != "/runs/"+id {
			t.Errorf("opened %q", u)
		}
	})

	t.Run("PhoneWidthInDarkMode", func(t *testing.T) {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true,
		}); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		do(t, ctx, chromedp.Navigate(base+"/teacher?lang=zh"), chromedp.WaitVisible(css("[data-testid=teacher-run]")))
		if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the teacher view is wider than a phone screen")
		}
		if bg := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`); bg == "rgb(246, 247, 251)" {
			t.Errorf("not dark: background %s", bg)
		}
		screenshot(t, ctx, dir, "teacher-phone-dark-zh.png")
	})
}
