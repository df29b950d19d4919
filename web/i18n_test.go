package web

import "testing"

func TestUIStrings(t *testing.T) {
	t.Run("EveryEnglishStringIsTranslated", func(t *testing.T) {
		for _, lang := range languages {
			for k := range uiStrings["en"] {
				if uiStrings[lang][k] == "" {
					t.Errorf("%s has no %q", lang, k)
				}
			}
			for k := range uiStrings[lang] {
				if _, ok := uiStrings["en"][k]; !ok {
					t.Errorf("%s has %q, which English lacks", lang, k)
				}
			}
		}
	})
	t.Run("AcceptLanguagePicksTheFirstSupported", func(t *testing.T) {
		for h, want := range map[string]string{
			"":                        "en",
			"zh-CN,zh;q=0.9,en;q=0.8": "zh",
			"fr-FR, en-US;q=0.7":      "en",
			"de, zh-Hans-CN;q=0.5":    "zh",
		} {
			if got := fromAcceptLanguage(h); got != want {
				t.Errorf("fromAcceptLanguage(%q) = %q, want %q", h, got, want)
			}
		}
	})
}
