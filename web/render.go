package web

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
)

// page fills the frame every page shares.
func (s *Server) page(r *http.Request, title string, wide bool) page {
	return page{
		Title: title,
		Path:  s.localPath(r.URL.Path),
		CSS:   s.asset("css/app.css"),
		Icon:  s.asset("img/icon.svg"),
		Wide:  wide,
	}
}

// render writes a component; it renders into a buffer first so that an
// error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, notFoundPage(s.page(r, T(r.Context(), "notfound.title"), false)))
}

// serverError logs the cause and shows the learner a plain sentence.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "Something went wrong on the server. Please try again.", http.StatusInternalServerError)
}
