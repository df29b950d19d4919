package web

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Links and redirects that carry a path from the request (the language
// switch of every page, the nickname form's back) are built only from the
// paths of this site's routes, so that none leads off the site. To a
// browser, "//evil.example" and "/\evil.example" name another host, and it
// drops tabs and newlines from a URL before reading it.

// localPath returns p, escaped for a URL, if it is the path of a route
// this server has; otherwise "/".
func (s *Server) localPath(p string) string {
	if !isPlainPath(p) {
		return "/"
	}
	_, pattern := s.mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}})
	if pattern == "" || pattern == "/" { // "/" is the not-found page for every unknown path
		return "/"
	}
	return (&url.URL{Path: p}).EscapedPath()
}

// localRedirect returns target (a URL as a form sends it) reduced to a
// route path of this site, or "/". A query or fragment is dropped.
func (s *Server) localRedirect(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		return "/"
	}
	return s.localPath(u.Path)
}

// isPlainPath reports whether p is an absolute, clean path of printable
// characters that starts with exactly one '/' and has no backslash.
func isPlainPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	clean := path.Clean(p)
	return p == clean || p == clean+"/"
}
