package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"mpplayground/store"
)

// Join codes are looked up at most joinFailBurst times in a row without a
// hit from one client address, then once every joinFailEvery: guessing a
// code among store.JoinCodeLen letters takes years. Only a miss costs, so
// that a classroom behind one address joins at once; while a client has
// no attempt left every lookup is refused, hit or miss, so that a refusal
// says nothing of the code.
const (
	joinFailBurst = 10
	joinFailEvery = 6 * time.Second
	maxJoinForm   = 4 << 10
)

// joinView is the page where a learner joins a class.
type joinView struct {
	Class   store.Class
	Found   bool   // the code names a class
	Code    string // as typed, for the form
	Name    string // the learner's name in the class, "" when not a member
	Joined  bool   // the learner has just joined
	Closed  bool   // the class takes no newcomer
	Roster  []string
	Problem string
	Classes []store.Membership // every class of the learner
}

// blocked reports whether key has no attempt left, without taking one,
// and how long until it has one.
func (t *throttle) blocked(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	at, ok := t.full[key]
	if !ok || !at.After(now) {
		return false, 0
	}
	wait := at.Sub(now) - time.Duration(t.burst-1)*t.every
	return wait > 0, wait
}

// joinThrottled answers 429 when r's client has no lookup left.
func (s *Server) joinThrottled(w http.ResponseWriter, r *http.Request) bool {
	key, _ := clientKey(r.RemoteAddr)
	blocked, wait := s.joinFails.blocked(key)
	if !blocked {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	s.log.Warn("join code lookups throttled", "client", key, "retry_after_s", secs)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	http.Error(w, fmt.Sprintf("Too many wrong codes; try again in %d seconds.", secs), http.StatusTooManyRequests)
	return true
}

// lookUpCode finds the class of a code, counting a miss against r's
// client. ok is false when the answer has been written.
func (s *Server) lookUpCode(w http.ResponseWriter, r *http.Request, code string) (store.Class, bool) {
	ctx := r.Context()
	if !s.classesOn() {
		s.joinPage(w, r, http.StatusNotFound, joinView{Code: code, Problem: T(ctx, "class.noClasses")})
		return store.Class{}, false
	}
	if s.joinThrottled(w, r) {
		return store.Class{}, false
	}
	c, err := s.cfg.Classes.ClassByCode(ctx, code)
	if errors.Is(err, store.ErrClassNotFound) {
		key, _ := clientKey(r.RemoteAddr)
		s.joinFails.allow(key)
		if len(code) > 2*store.JoinCodeLen {
			code = ""
		}
		s.joinPage(w, r, http.StatusNotFound, joinView{Code: code, Problem: T(ctx, "class.unknownCode")})
		return c, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return c, false
	}
	return c, true
}

// handleJoinCode takes the code typed on the home page to its class's
// page.
func (s *Server) handleJoinCode(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if code == "" {
		s.joinPage(w, r, http.StatusOK, joinView{})
		return
	}
	c, ok := s.lookUpCode(w, r, code)
	if !ok {
		return
	}
	http.Redirect(w, r, "/join/"+c.Code, http.StatusSeeOther)
}

// handleJoinPage shows a class to a learner: the form to join it, or
// their name in it.
func (s *Server) handleJoinPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.lookUpCode(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	v, err := s.joinViewOf(r, c)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Joined = r.URL.Query().Get("joined") != "" && v.Name != ""
	s.joinPage(w, r, http.StatusOK, v)
}

// joinViewOf is the join page of class c for the request's learner.
func (s *Server) joinViewOf(r *http.Request, c store.Class) (joinView, error) {
	ctx := r.Context()
	v := joinView{Class: c, Found: true, Code: c.Code, Closed: c.Closed(time.Now())}
	var err error
	if v.Classes, err = s.cfg.Classes.LearnerClasses(ctx, Learner(ctx)); err != nil {
		return v, err
	}
	for _, m := range v.Classes {
		if m.Class.ID == c.ID {
			v.Name = m.Name
		}
	}
	roster, err := s.cfg.Classes.Roster(ctx, c.ID)
	if err != nil {
		return v, err
	}
	for _, n := range roster {
		if !n.Taken {
			v.Roster = append(v.Roster, n.Name)
		}
	}
	return v, nil
}

// handleJoin makes the request's learner a member of the class under the
// name of the form ("name", or "pick" from the roster).
func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		http.Error(w, msgForeignForm, http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxJoinForm)
	c, ok := s.lookUpCode(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	ctx := r.Context()
	v, err := s.joinViewOf(r, c)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		v.Problem = T(ctx, "class.formUnread")
		s.joinPage(w, r, http.StatusBadRequest, v)
		return
	}
	name := r.PostForm.Get("name")
	if pick := r.PostForm.Get("pick"); pick != "" {
		name = pick
	}
	m, err := s.cfg.Classes.JoinClass(ctx, c.ID, Learner(ctx), name)
	status := http.StatusBadRequest
	switch {
	case err == nil:
		s.log.Info("learner joined a class", "class", c.ID, "member", m.ID)
		s.classHub.notify(c.ID)
		http.Redirect(w, r, "/join/"+c.Code+"?joined=1", http.StatusSeeOther)
		return
	case errors.Is(err, store.ErrBadName):
		v.Problem = Tf(ctx, "class.badName", fmt.Sprint(store.MaxMemberNameLen))
	case errors.Is(err, store.ErrNameTaken):
		v.Problem, status = T(ctx, "class.nameTaken"), http.StatusConflict
	case errors.Is(err, store.ErrClassClosed):
		v.Problem, status = T(ctx, "class.closed"), http.StatusForbidden
	case errors.Is(err, store.ErrClassFull):
		v.Problem, status = T(ctx, "class.full"), http.StatusForbidden
	case errors.Is(err, store.ErrClassNotFound):
		v.Problem, status = T(ctx, "class.unknownCode"), http.StatusNotFound
	default:
		s.serverError(w, r, err)
		return
	}
	s.joinPage(w, r, status, v)
}

func (s *Server) joinPage(w http.ResponseWriter, r *http.Request, status int, v joinView) {
	ctx := r.Context()
	title := T(ctx, "class.join")
	if v.Found {
		title = v.Class.Name
	}
	p := s.page(r, title+" · "+T(ctx, "site.name"), false)
	// The code is in the address; the site's Referrer-Policy (same-origin)
	// passes it on to no other site. (no-referrer would make the browser
	// send "Origin: null" with the form, which sameOrigin refuses.)
	s.render(w, r, status, joinPage(p, v, s.asset("css/classroom.css")))
}
