// Package static holds the browser assets of the playground (style sheet,
// the editor and live-view bundle, icons), embedded into the binary so that
// the server needs no files at run time and no network.
//
// The bundle js/app.js is built from src/ by `make -C static bundle`
// (npm ci + esbuild, versions pinned in src/package-lock.json) and committed,
// so that `go run ./cmd/playground` needs no npm.
package static

import "embed"

// FS holds the assets, rooted so that "css/app.css" names the style sheet.
//
//go:embed css js img
var FS embed.FS
