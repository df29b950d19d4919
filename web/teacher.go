package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"mpplayground/store"
)

// The teacher view lists the class's recent runs. It is opened with the
// token the server was started with (--teacher-token), given once (the
// sign-in form, or ?token= in a link); the browser then keeps a session
// (sessions.go) in a cookie. Attempts are throttled (throttle.go).
const (
	teacherCookie = "pg_teacher"
	// teacherRunsShown is how many of the newest runs the view lists.
	teacherRunsShown = 50
	// teacherPollEvery is how often the page asks for the list again.
	teacherPollEvery = 3 * time.Second
	// maxTeacherForm bounds the sign-in form.
	maxTeacherForm = 4 << 10
)

// teacherRun is one run in the teacher's list.
type teacherRun struct {
	ID          string
	Nickname    string // "" for a learner who set none
	LearnerTag  string // a short tag that tells anonymous learners apart
	LessonSlug  string
	LessonTitle string
	Exercise    string // the exercise's title, "" for the example
	Checked     bool   // the checks were evaluated
	Passed      bool   // ... and all passed
	Status      string
	Duration    time.Duration
	StartedAt   time.Time
}

// teacherView is the teacher page.
type teacherView struct {
	Enabled bool // runs are kept; without a store there is nothing to list
	Runs    []teacherRun
	Poll    time.Duration
}

// teacherLogin is the sign-in form.
type teacherLogin struct {
	Wrong bool // a token was given and it is not the right one
}

// handleTeacher shows the class's runs to a signed-in teacher. ?token=
// signs in and redirects to the page without it, so the token does not
// stay in the address bar or the history.
func (s *Server) handleTeacher(w http.ResponseWriter, r *http.Request) {
	if !s.teacherViewOn() {
		s.teacherOff(w, r)
		return
	}
	if tok := r.URL.Query().Get("token"); tok != "" {
		if !s.allowSignIn(w, r) {
			return
		}
		name, ok := s.teacherByToken(tok)
		if !ok {
			s.log.Warn("teacher sign-in refused", "remote", r.RemoteAddr)
			s.teacherLoginPage(w, r, true)
			return
		}
		s.signInTeacher(w, r, name)
		return
	}
	if !s.isTeacher(r) {
		s.teacherLoginPage(w, r, false)
		return
	}
	ctx := r.Context()
	v, err := s.teacherRuns(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.page(r, T(ctx, "teacher.title")+" · "+T(ctx, "site.name"), false)
	p.JS = s.asset("js/teacher.js")
	// The site's Referrer-Policy (same-origin) tells no other site of the
	// page; no-referrer would make the browser send "Origin: null" with
	// the sign-out form, which sameOrigin refuses.
	s.render(w, r, http.StatusOK, teacherPage(p, v, s.asset("css/teacher.css")))
}

// handleTeacherLogin checks the token of the sign-in form.
func (s *Server) handleTeacherLogin(w http.ResponseWriter, r *http.Request) {
	if !s.teacherViewOn() {
		s.teacherOff(w, r)
		return
	}
	if !s.sameOrigin(r) {
		http.Error(w, msgForeignForm, http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTeacherForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	if !s.allowSignIn(w, r) {
		return
	}
	name, ok := s.teacherByToken(r.PostForm.Get("token"))
	if !ok {
		s.log.Warn("teacher sign-in refused", "remote", r.RemoteAddr)
		s.teacherLoginPage(w, r, true)
		return
	}
	s.signInTeacher(w, r, name)
}

// handleTeacherSignOut ends the session of the browser and forgets its
// cookie.
func (s *Server) handleTeacherSignOut(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		http.Error(w, msgForeignForm, http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTeacherForm)
	if c, err := r.Cookie(teacherCookie); err == nil {
		// "everywhere" ends every session of the same teacher, on other
		// browsers too (a lost laptop).
		if name, ok := s.teachers.who(c.Value); ok && r.FormValue("everywhere") != "" {
			s.log.Info("teacher signed out everywhere", "teacher", name, "sessions", s.teachers.revokeTeacher(name))
		}
		s.teachers.revoke(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: teacherCookie, Value: "", Path: "/teacher", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secureCookies(r)})
	http.Redirect(w, r, "/teacher", http.StatusSeeOther)
}

// handleTeacherRuns returns the rows of the list alone, for the page to
// refresh them.
func (s *Server) handleTeacherRuns(w http.ResponseWriter, r *http.Request) {
	if !s.teacherViewOn() {
		s.teacherOff(w, r)
		return
	}
	if !s.isTeacher(r) {
		http.Error(w, "Sign in at /teacher first.", http.StatusForbidden)
		return
	}
	v, err := s.teacherRuns(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, teacherRows(v))
}

// teacherRuns lists the newest runs of every learner.
func (s *Server) teacherRuns(ctx context.Context) (teacherView, error) {
	v := teacherView{Enabled: s.cfg.Runs != nil, Poll: teacherPollEvery}
	if s.cfg.Runs == nil {
		return v, nil
	}
	runs, err := s.cfg.Runs.ListRuns(ctx, store.Filter{Limit: teacherRunsShown})
	if err != nil {
		return v, err
	}
	lang := Lang(ctx)
	for _, r := range runs {
		t := teacherRun{
			ID: r.ID, Nickname: r.Nickname, LearnerTag: learnerTag(r.Learner),
			LessonSlug: r.Lesson, LessonTitle: r.Lesson,
			Status: r.Status, Duration: r.Duration, StartedAt: r.StartedAt,
		}
		l, known := s.cfg.Catalog.Lesson(r.Lesson, lang)
		if known {
			t.LessonTitle = l.Title
		}
		if rec, ok := decodeVerdict(r.Exercise); ok {
			t.Checked, t.Passed = true, rec.Passed
			t.Exercise = rec.Exercise
			if e, ok := l.exercise(rec.Exercise); known && ok {
				t.Exercise = e.Title
			}
		}
		v.Runs = append(v.Runs, t)
	}
	return v, nil
}

// learnerTag tells learners without a nickname apart. It is derived from
// the anonymous id, which is the learner's key and is never shown.
func learnerTag(learner string) string {
	if learner == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("learner tag\x00" + learner))
	return hex.EncodeToString(sum[:3])
}

func (s *Server) isTeacher(r *http.Request) bool {
	c, err := r.Cookie(teacherCookie)
	return err == nil && s.teachers.valid(c.Value)
}

// signInTeacher starts a session, sets its cookie and goes to the view,
// without the token in the address.
func (s *Server) signInTeacher(w http.ResponseWriter, r *http.Request, name string) {
	s.log.Info("teacher signed in", "teacher", name, "remote", r.RemoteAddr)
	http.SetCookie(w, &http.Cookie{Name: teacherCookie, Value: s.teachers.create(name), Path: "/teacher",
		MaxAge: int(teacherSessionAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.secureCookies(r)})
	http.Redirect(w, r, "/teacher", http.StatusSeeOther)
}

// teacherLoginPage refuses the page (403) with the sign-in form.
func (s *Server) teacherLoginPage(w http.ResponseWriter, r *http.Request, wrong bool) {
	ctx := r.Context()
	p := s.page(r, T(ctx, "teacher.login")+" · "+T(ctx, "site.name"), false)
	s.render(w, r, http.StatusForbidden, teacherLoginView(p, teacherLogin{Wrong: wrong}, s.asset("css/teacher.css")))
}

// teacherOff says that the teacher view is not configured (404).
func (s *Server) teacherOff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.page(r, T(ctx, "teacher.title")+" · "+T(ctx, "site.name"), false)
	s.render(w, r, http.StatusNotFound, teacherOffPage(p))
}
