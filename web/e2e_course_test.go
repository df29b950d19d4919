package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The course's page features in a real browser, on the built-in course:
// a question answered before Run and compared, after the run, with what
// its events showed; hints unlocked by failed attempts; a limit's
// sentence in the page's language.
func TestBrowserCourse(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	course := realCourse(t)
	_, base := MustStoredServer(t, MustStore(t), Config{Catalog: course, Checker: course})
	dir := artifactsDir(t)
	ctx := newBrowser(t)

	t.Run("PredictionComparedWithTheRun", func(t *testing.T) {
		// "The program makes three Countdown objects. How many Countdown
		// processes will the tree show?" Two: run() called directly
		// starts none.
		openLesson(t, ctx, base+"/lessons/subclassing-process")
		do(t, ctx,
			chromedp.WaitVisible(css("[data-testid=predict] [data-testid=predict-input]")),
			chromedp.SendKeys(css("[data-testid=predict-input]"), "3"),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(finished),
			waitJS(`!document.querySelector('[data-testid=predict-result]').hidden`),
		)
		res := eval[map[string]string](t, ctx, `(() => { const r = document.querySelector('[data-testid=predict-result]');
			return { correct: r.dataset.correct, actual: r.dataset.actual, text: r.textContent }; })()`)
		if res["correct"] != "false" || res["actual"] != "2" || !strings.Contains(res["text"], "3") || !strings.Contains(res["text"], "2") {
			t.Errorf("after answering 3: %v", res)
		}
		// The figure comes from the run's events: the tree shows as many.
		if n := eval[int](t, ctx, `[...document.querySelectorAll('[data-testid=proc-node]')].filter(n => /Countdown-/.test(n.textContent)).length`); n != 2 {
			t.Errorf("the tree shows %d Countdown processes", n)
		}
		do(t, ctx,
			chromedp.SetValue(css("[data-testid=predict-input]"), "2"),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(finished),
			waitJS(`document.querySelector('[data-testid=predict-result]').dataset.correct === 'true'`),
		)
		screenshot(t, ctx, dir, "course-prediction.png")

		// A Chinese page asks in Chinese and answers in Chinese.
		openLesson(t, ctx, base+"/lessons/simplequeue-and-wait?lang=zh")
		do(t, ctx,
			chromedp.WaitVisible(css("[data-testid=predict-option]")),
			chromedp.Click(css(`[data-testid=predict-option][data-index="0"]`)),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(finished),
			waitJS(`!document.querySelector('[data-testid=predict-result]').hidden`),
		)
		q := eval[string](t, ctx, `document.querySelector('[data-testid=predict-question]').textContent`)
		r := eval[map[string]string](t, ctx, `(() => { const r = document.querySelector('[data-testid=predict-result]');
			return { correct: r.dataset.correct, actual: r.dataset.actual, text: r.textContent }; })()`)
		if !hasHan(q) || !hasHan(r["text"]) || r["actual"] != "fast slept" || r["correct"] != "true" {
			t.Errorf("Chinese page: question %q, result %v", q, r)
		}
	})

	t.Run("HintsUnlockAfterFailedAttempts", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/"+checksLesson)
		const hints = `[data-testid=hints][data-exercise="` + checksExercise + `"]`
		open := `document.querySelectorAll('` + hints + ` [data-testid=hint][data-open=true]').length`
		failed := `document.querySelector('[data-testid=checks]').hidden === false && document.querySelector('[data-testid=checks]').dataset.passed === 'false'`
		do(t, ctx,
			chromedp.Evaluate[chromedp.Void](`localStorage.clear()`),
			chromedp.Reload(),
			chromedp.WaitVisible(css(".cm-editor .cm-lineNumbers")),
			waitJS(online),
			chromedp.WaitVisible(css(hints)),
			chromedp.Click(css(`[data-action=load-starter][data-exercise="`+checksExercise+`"]`)),
		)
		if n := eval[int](t, ctx, open); n != 0 {
			t.Fatalf("%d hints open before any attempt", n)
		}
		if eval[bool](t, ctx, `!!document.querySelector('`+hints+` [data-testid=solution]')`) {
			t.Fatal("the solution is offered before any attempt")
		}
		for attempt := 1; attempt <= 2; attempt++ {
			do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(failed))
			do(t, ctx, waitJS(open+` === `+string(rune('0'+attempt))))
		}
		text := eval[string](t, ctx, `document.querySelector('`+hints+` [data-testid=hint][data-open=true]').textContent`)
		if !strings.Contains(text, "worker-") {
			t.Errorf("first hint %q", text)
		}
		if !eval[bool](t, ctx, `!!document.querySelector('`+hints+` [data-testid=solution-locked]')`) {
			t.Error("after two failures, the page does not say when the solution comes")
		}
		screenshot(t, ctx, dir, "course-hints.png")
		// The count survives a reload; one more failure offers the solution.
		openLesson(t, ctx, base+"/lessons/"+checksLesson)
		do(t, ctx,
			waitJS(open+` === 2`),
			chromedp.Click(css(`[data-action=load-starter][data-exercise="`+checksExercise+`"]`)),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(failed),
			waitJS(`!!document.querySelector('`+hints+` [data-testid=solution]')`),
		)
	})

	t.Run("LimitSentenceInThePagesLanguage", func(t *testing.T) {
		// The pitfall that hangs ends with a deadlock limit; its sentence
		// comes in English in the event and is shown in Chinese.
		openLesson(t, ctx, base+"/lessons/pitfalls?lang=zh")
		do(t, ctx,
			chromedp.Click(css(`[data-action=load-starter][data-exercise="drain-then-join"]`)),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(`!document.querySelector('[data-testid=status-limit]').hidden && document.querySelector('[data-testid=status]').dataset.state === 'limit'`),
		)
		kind := eval[string](t, ctx, `document.querySelector('[data-testid=status-limit]').dataset.kind`)
		text := eval[string](t, ctx, `document.querySelector('[data-testid=status-limit]').textContent`)
		if kind != "deadlock" || !hasHan(text) || strings.Contains(text, "Stopped") {
			t.Errorf("limit %s: %q", kind, text)
		}
	})
}
