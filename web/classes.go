package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mpplayground/store"
)

// Classes: a signed-in teacher creates a class and gets a join link and a
// short code; a learner opens the link (or types the code on the home
// page) and joins under a display name, or picks one of an imported
// roster. The browser's anonymous learner cookie is the membership: no
// learner has a password, and a learner may be in several classes. The
// teacher sees a live grid of the class's progress (classes_live.go),
// each learner's attempts (classes_attempts.go) and a CSV of it all
// (classes_csv.go). Anonymous use is unchanged.

// ClassStore keeps the classes; a store.Store satisfies it. A nil
// ClassStore turns classes off.
type ClassStore interface {
	store.Classroom
}

// Bounds of the class forms.
const (
	maxClassForm = 8 << 10
	// maxRosterUpload bounds an imported roster file: 500 names of 60
	// characters fit many times over.
	maxRosterUpload = 256 << 10
	// classDateLayout is the closing date as a date input sends it.
	classDateLayout = "2006-01-02"
)

// classesView is the teacher's list of classes.
type classesView struct {
	Classes []store.Class
	Problem string // a plain sentence about the last form, or ""
	Now     time.Time
	Reload  *ReloadStatus // nil: the lessons cannot be reloaded
}

// classView is one class's page for the teacher.
type classView struct {
	Class    store.Class
	JoinURL  string
	Members  []store.Member
	Roster   []store.RosterName
	Problem  string
	Notice   string
	Now      time.Time
	BasePath string // /teacher/classes/ID
}

// classesOn reports whether classes are kept.
func (s *Server) classesOn() bool { return s.cfg.Classes != nil }

// teacherOnly guards a route of the teacher's class pages: classes must be
// kept, and teacherRoute's rules hold.
func (s *Server) teacherOnly(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return s.teacherRoute(limit, func(w http.ResponseWriter, r *http.Request) {
		if !s.classesOn() {
			http.Error(w, "Classes need a store; this server keeps none.", http.StatusNotFound)
			return
		}
		h(w, r)
	})
}

// teacherRoute guards a route of the teacher: the view must be on and the
// request signed in; a form must come from this site, and its body is
// bounded by limit.
func (s *Server) teacherRoute(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.teacherViewOn() {
			s.teacherOff(w, r)
			return
		}
		if !s.isTeacher(r) {
			if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" {
				s.teacherLoginPage(w, r, false)
				return
			}
			http.Error(w, "Sign in at /teacher first.", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !s.sameOrigin(r) {
				http.Error(w, msgForeignForm, http.StatusForbidden)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		h(w, r)
	}
}

// classRoutes adds the routes of classes to m.
func (s *Server) classRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /teacher/classes", s.teacherOnly(0, s.handleClasses))
	m.HandleFunc("POST /teacher/classes", s.teacherOnly(maxClassForm, s.handleCreateClass))
	m.HandleFunc("GET /teacher/classes/{id}", s.teacherOnly(0, s.handleClass))
	m.HandleFunc("POST /teacher/classes/{id}/delete", s.teacherOnly(maxClassForm, s.handleDeleteClass))
	m.HandleFunc("POST /teacher/classes/{id}/members/{member}/rename", s.teacherOnly(maxClassForm, s.handleRenameMember))
	m.HandleFunc("POST /teacher/classes/{id}/members/{member}/remove", s.teacherOnly(maxClassForm, s.handleRemoveMember))
	m.HandleFunc("POST /teacher/classes/{id}/roster", s.teacherOnly(maxRosterUpload+maxClassForm, s.handleRoster))
	m.HandleFunc("GET /teacher/classes/{id}/progress.json", s.teacherOnly(0, s.handleProgressJSON))
	m.HandleFunc("GET /teacher/classes/{id}/progress.csv", s.teacherOnly(0, s.handleProgressCSV))
	m.HandleFunc("GET /teacher/classes/{id}/events", s.teacherOnly(0, s.handleClassEvents))
	m.HandleFunc("GET /teacher/classes/{id}/attempts", s.teacherOnly(0, s.handleAttempts))
	m.HandleFunc("POST /teacher/lessons/reload", s.teacherRoute(maxClassForm, s.handleReloadLessons))
	m.HandleFunc("GET /join", s.handleJoinCode)
	m.HandleFunc("GET /join/{code}", s.handleJoinPage)
	m.HandleFunc("POST /join/{code}", s.handleJoin)
}

func (s *Server) handleClasses(w http.ResponseWriter, r *http.Request) {
	s.classesPage(w, r, http.StatusOK, "")
}

func (s *Server) classesPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	ctx := r.Context()
	list, err := s.cfg.Classes.Classes(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.page(r, T(ctx, "class.classes")+" · "+T(ctx, "site.name"), false)
	v := classesView{Classes: list, Problem: problem, Now: time.Now()}
	if s.cfg.Lessons != nil {
		st := s.cfg.Lessons.Status()
		v.Reload = &st
	}
	s.render(w, r, status, classesPage(p, v, s.asset("css/teacher.css"), s.asset("css/classroom.css")))
}

// handleCreateClass creates a class from the form (name, optional
// closing date) and opens its page.
func (s *Server) handleCreateClass(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.classesPage(w, r, http.StatusBadRequest, T(ctx, "class.formUnread"))
		return
	}
	var closes time.Time
	if d := r.PostForm.Get("closes"); d != "" {
		t, err := time.ParseInLocation(classDateLayout, d, time.UTC)
		if err != nil || len(d) != len(classDateLayout) {
			s.classesPage(w, r, http.StatusBadRequest, T(ctx, "class.badDate"))
			return
		}
		// Open through the closing day (UTC).
		closes = t.Add(24 * time.Hour)
		if !closes.After(time.Now()) {
			s.classesPage(w, r, http.StatusBadRequest, T(ctx, "class.pastDate"))
			return
		}
	}
	c, err := s.cfg.Classes.CreateClass(ctx, r.PostForm.Get("name"), closes)
	switch {
	case errors.Is(err, store.ErrInvalid):
		s.classesPage(w, r, http.StatusBadRequest, T(ctx, "class.badClassName"))
		return
	case errors.Is(err, store.ErrTooManyClasses):
		s.classesPage(w, r, http.StatusConflict, T(ctx, "class.tooMany"))
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.log.Info("class created", "class", c.ID)
	http.Redirect(w, r, classPath(c.ID), http.StatusSeeOther)
}

func classPath(id int64) string { return "/teacher/classes/" + strconv.FormatInt(id, 10) }

// classOf reads the class of the route's {id}; it answers 404 itself when
// there is none.
func (s *Server) classOf(w http.ResponseWriter, r *http.Request) (store.Class, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, "There is no such class.", http.StatusNotFound)
		return store.Class{}, false
	}
	c, err := s.cfg.Classes.Class(r.Context(), id)
	if errors.Is(err, store.ErrClassNotFound) {
		http.Error(w, "There is no such class.", http.StatusNotFound)
		return c, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return c, false
	}
	return c, true
}

func (s *Server) handleClass(w http.ResponseWriter, r *http.Request) {
	c, ok := s.classOf(w, r)
	if !ok {
		return
	}
	// The query names messages by their keys, so that nothing of it is
	// shown as it is.
	q := r.URL.Query()
	s.classPage(w, r, c, http.StatusOK, classMessage(r.Context(), q.Get("problem")), classMessage(r.Context(), q.Get("notice")))
}

// classPage renders a class's page with a problem and a notice, sentences
// of the interface's strings or "".
func (s *Server) classPage(w http.ResponseWriter, r *http.Request, c store.Class, status int, problem, notice string) {
	ctx := r.Context()
	v := classView{Class: c, JoinURL: s.joinURL(r, c.Code), Now: time.Now(), BasePath: classPath(c.ID), Problem: problem, Notice: notice}
	var err error
	if v.Members, err = s.cfg.Classes.Members(ctx, c.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if v.Roster, err = s.cfg.Classes.Roster(ctx, c.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.page(r, c.Name+" · "+T(ctx, "site.name"), true)
	p.JS = s.asset("js/app.js")
	s.render(w, r, status, classPage(p, v, s.asset("css/teacher.css"), s.asset("css/classroom.css")))
}

// classMessage is the sentence of a message key given in a redirect; an
// unknown key says nothing.
func classMessage(ctx context.Context, key string) string {
	if _, ok := uiStrings["en"]["class."+key]; key == "" || !ok {
		return ""
	}
	return Tf(ctx, "class."+key, strconv.Itoa(store.MaxMemberNameLen))
}

// backToClass sends the teacher back to the class's page with a message.
func backToClass(w http.ResponseWriter, r *http.Request, id int64, kind, key string) {
	http.Redirect(w, r, classPath(id)+"?"+url.Values{kind: {key}}.Encode(), http.StatusSeeOther)
}

// joinURL is the link learners open: on the public URL when there is
// one, else on the host the teacher reached.
func (s *Server) joinURL(r *http.Request, code string) string {
	if s.cfg.PublicURL != "" {
		if u, err := url.Parse(s.cfg.PublicURL); err == nil {
			return u.JoinPath("join", code).String()
		}
	}
	scheme := "http"
	if s.secureCookies(r) {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: "/join/" + code}).String()
}

func (s *Server) handleDeleteClass(w http.ResponseWriter, r *http.Request) {
	c, ok := s.classOf(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Classes.DeleteClass(r.Context(), c.ID); err != nil && !errors.Is(err, store.ErrClassNotFound) {
		s.serverError(w, r, err)
		return
	}
	s.classHub.notify(c.ID) // its open grids say it is gone
	s.log.Info("class removed", "class", c.ID)
	http.Redirect(w, r, "/teacher/classes", http.StatusSeeOther)
}

// memberOf reads the route's {member}.
func memberOf(r *http.Request) int64 {
	id, err := strconv.ParseInt(r.PathValue("member"), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

func (s *Server) handleRenameMember(w http.ResponseWriter, r *http.Request) {
	c, ok := s.classOf(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		backToClass(w, r, c.ID, "problem", "formUnread")
		return
	}
	err := s.cfg.Classes.RenameMember(r.Context(), c.ID, memberOf(r), r.PostForm.Get("name"))
	switch {
	case errors.Is(err, store.ErrBadName):
		backToClass(w, r, c.ID, "problem", "badName")
	case errors.Is(err, store.ErrNameTaken):
		backToClass(w, r, c.ID, "problem", "nameTaken")
	case errors.Is(err, store.ErrMemberNotFound):
		backToClass(w, r, c.ID, "problem", "noMember")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.classHub.notify(c.ID)
		backToClass(w, r, c.ID, "notice", "renamed")
	}
}

func (s *Server) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	c, ok := s.classOf(w, r)
	if !ok {
		return
	}
	err := s.cfg.Classes.RemoveMember(r.Context(), c.ID, memberOf(r))
	switch {
	case errors.Is(err, store.ErrMemberNotFound):
		backToClass(w, r, c.ID, "problem", "noMember")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.classHub.notify(c.ID)
		backToClass(w, r, c.ID, "notice", "removed")
	}
}
