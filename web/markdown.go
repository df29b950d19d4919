package web

import (
	"bytes"
	"fmt"
	"html"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

// markdown renders lesson prose. Raw HTML in the Markdown is not passed
// through (goldmark's default), so a lesson file cannot inject markup. A
// fenced code block becomes <pre><code class="language-python">, which the
// page colours (static/src/highlight.js): the server carries no
// highlighter, whose registries of languages would cost every run's init
// (the same binary) tens of milliseconds to start.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

// renderMarkdown turns lesson prose into HTML.
func renderMarkdown(src string) (string, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return buf.String(), nil
}

// codeView renders a program as a code block whose lines the page numbers
// and colours (static/src/highlight.js); without script it reads as plain
// text.
func codeView(src string) string {
	return `<pre><code class="language-python" data-numbered>` + html.EscapeString(src) + `</code></pre>`
}
