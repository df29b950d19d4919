package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// gzipAssets serves the embedded text assets (the script bundle, the
// style sheets, the icon) gzip-compressed to a client that takes it: the
// bundle is about 440 KB, a third of that compressed. Each file is
// compressed once, at its first request, and kept; the files are few and
// fixed, so the cache is bounded by them.
type gzipAssets struct {
	fsys  fs.FS
	mu    sync.Mutex
	cache map[string][]byte // file -> its gzip bytes; nil when it does not shrink
}

func newGzipAssets(fsys fs.FS) *gzipAssets {
	return &gzipAssets{fsys: fsys, cache: map[string][]byte{}}
}

// compressible are the kinds of file worth compressing.
var compressible = map[string]bool{".js": true, ".css": true, ".svg": true, ".json": true, ".txt": true}

// serve writes the compressed file name and reports true, or reports false
// when the request or the file is not for compression (the caller serves
// it plain).
func (g *gzipAssets) serve(w http.ResponseWriter, r *http.Request, name string) bool {
	if !compressible[path.Ext(name)] || !acceptsGzip(r.Header.Get("Accept-Encoding")) || r.Header.Get("Range") != "" {
		return false
	}
	body := g.compressed(name)
	if body == nil {
		return false
	}
	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	return true
}

func (g *gzipAssets) compressed(name string) []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b, ok := g.cache[name]; ok {
		return b
	}
	raw, err := fs.ReadFile(g.fsys, name)
	if err != nil {
		return nil // not a file: the file server says so
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	var b []byte
	if buf.Len() < len(raw) {
		b = buf.Bytes()
	}
	g.cache[name] = b
	return b
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) named and not
// refused with q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
