package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// maxNicknameRunes bounds a nickname; it is shown next to shared runs.
const maxNicknameRunes = 40

// handleNickname stores the nickname a learner chose and goes back to the
// page the form was on.
func (s *Server) handleNickname(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Nicknames == nil {
		s.handleNotFound(w, r)
		return
	}
	// The learner cookie is SameSite=Lax, so another site's form does not
	// carry it; refusing a foreign Origin says so plainly.
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			http.Error(w, "This form can only be sent from this site.", http.StatusForbidden)
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	nick := cleanNickname(r.PostForm.Get("nickname"))
	if err := s.cfg.Nicknames.SetNickname(r.Context(), Learner(r.Context()), nick); err != nil {
		s.serverError(w, r, err)
		return
	}
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// cleanNickname drops control characters, folds white space and cuts the
// name to maxNicknameRunes.
func cleanNickname(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxNicknameRunes {
		s = string(r[:maxNicknameRunes])
	}
	return s
}
