package web

import (
	"net/http"
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
	if !s.sameOrigin(r) {
		http.Error(w, msgForeignForm, http.StatusForbidden)
		return
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
	// back is the page the form was on: only a page of this site.
	http.Redirect(w, r, s.localRedirect(r.PostForm.Get("back")), http.StatusSeeOther)
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
