package web

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark"
	highlighting "github.com/yuin/goldmark-highlighting/v2"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

// Code in lesson prose is highlighted with CSS classes (not inline styles),
// so one style sheet serves light and dark mode.
const (
	lightCodeStyle = "github"
	darkCodeStyle  = "github-dark"
)

// markdown renders lesson prose. Raw HTML in the Markdown is not passed
// through (goldmark's default), so a lesson file cannot inject markup.
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.GFM,
		highlighting.NewHighlighting(
			highlighting.WithFormatOptions(chromahtml.WithClasses(true)),
		),
	),
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

var (
	codeCSSOnce sync.Once
	codeCSS     []byte
)

// highlightCSS is the style sheet for highlighted code: the light style,
// and the dark one under prefers-color-scheme: dark. Tokens a style does not
// colour take the page's text colour.
func highlightCSS() []byte {
	codeCSSOnce.Do(func() {
		// Each style only under its own scheme, so that a token the dark
		// style leaves to the base colour does not keep the light colour.
		var b bytes.Buffer
		f := chromahtml.New(chromahtml.WithClasses(true))
		b.WriteString("@media not (prefers-color-scheme: dark) {\n")
		writeStyle(&b, f, styles.Get(lightCodeStyle))
		b.WriteString("}\n@media (prefers-color-scheme: dark) {\n")
		writeStyle(&b, f, styles.Get(darkCodeStyle))
		b.WriteString("}\n")
		codeCSS = b.Bytes()
	})
	return codeCSS
}

func writeStyle(b *bytes.Buffer, f *chromahtml.Formatter, s *chroma.Style) {
	var tmp bytes.Buffer
	if err := f.WriteCSS(&tmp, s); err != nil {
		return
	}
	// The page draws the code block's box itself; keep only token colours.
	for _, line := range strings.Split(tmp.String(), "\n") {
		if strings.Contains(line, ".bg ") || strings.Contains(line, ".chroma {") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
}

// highlightPython renders a program as highlighted HTML (a <pre> with CSS
// classes, styled by highlightCSS), with line numbers.
func highlightPython(src string) (string, error) {
	lexer := lexers.Get("python")
	it, err := lexer.Tokenise(nil, src)
	if err != nil {
		return "", fmt.Errorf("highlight program: %w", err)
	}
	var buf bytes.Buffer
	f := chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithLineNumbers(true))
	if err := f.Format(&buf, styles.Get(lightCodeStyle), it); err != nil {
		return "", fmt.Errorf("highlight program: %w", err)
	}
	return buf.String(), nil
}
