package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
)

// The script bundle and the style sheet go out gzip-compressed to a client
// that takes it, whole and unchanged once inflated; a client that does not
// (or refuses it with q=0) gets them plain.
func TestStaticAssetsAreCompressed(t *testing.T) {
	_, ts := MustServer(t, Config{Executor: idleExecutor})
	get := func(path, acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		// Set by hand, so the transport leaves the body compressed.
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	for _, path := range []string{"/static/js/app.js", "/static/css/app.css"} {
		_, plain := get(path, "identity")
		res, zipped := get(path, "br, gzip")
		if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: Content-Encoding %q, Vary %q", path, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		inflated, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(inflated, plain) || len(plain) == 0 {
			t.Errorf("%s: %d bytes compressed inflate to %d, plain is %d (%v)", path, len(zipped), len(inflated), len(plain), err)
		}
		t.Logf("%s: %d bytes, %d compressed", path, len(plain), len(zipped))
		if res, _ := get(path, "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: compressed for a client that refuses gzip", path)
		}
	}
	if res, _ := get("/static/js/none.js", "gzip"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing file: %s", res.Status)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"gzip": true, "deflate, gzip;q=1.0, *;q=0.5": true, "*": true, "GZIP": true,
		"": false, "identity": false, "gzip;q=0": false, "br": false, "gzip; q=0": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
