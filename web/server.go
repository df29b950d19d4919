package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/static"
)

// Defaults for Config fields left zero.
const (
	// defaultMaxQueue bounds the runs waiting for a slot; past it a run is
	// refused with a plain message rather than waiting for minutes.
	defaultMaxQueue = 200
	// defaultSlotStuckAfter is SlotStuckAfter when not given: runs last
	// seconds, never minutes.
	defaultSlotStuckAfter = 2 * time.Minute
	// learnerCookieAge keeps a learner's anonymous id for a school year.
	learnerCookieAge = 365 * 24 * time.Hour
)

const learnerCookie = "pg_learner"

// Config wires a Server to the parts it serves. Each part is a field of an
// interface of this package, so that a part that lacks a method is a
// compile error rather than a feature quietly off; the optional ones are
// off when nil.
type Config struct {
	Catalog   Catalog         // required: the lessons
	Checker   Checker         // nil: runs are not judged
	Executor  Executor        // required: runs the programs
	Fleet     Fleet           // nil: Executor runs them here; else the fleet does (fleet.go)
	Sandbox   SandboxReporter // nil: /healthz says nothing of the sandbox
	Recorder  RunRecorder     // nil: runs are not kept
	Runs      RunArchive      // nil: no history, replay or run API
	Progress  ProgressSource  // nil: no progress is shown
	Nicknames Nicknames       // nil: learners cannot set a nickname
	Classes   ClassStore      // nil: no classes (classes.go)
	Lessons   LessonsReload   // nil: the lessons cannot be reloaded (lessons_reload.go)
	Logger    *slog.Logger    // nil: slog.Default()
	// MaxRuns is how many programs execute at once; more wait in a queue.
	// Zero means the number of CPUs.
	MaxRuns int
	// MaxQueue is how many runs may wait; zero means defaultMaxQueue.
	MaxQueue int
	// SlotStuckAfter is how long a run may hold its slot before /healthz
	// calls the slot stuck: well past the longest a run may last. Zero
	// means defaultSlotStuckAfter.
	SlotStuckAfter time.Duration
	// TeacherToken opens /teacher; empty: the teacher view is off unless
	// Teachers lists some.
	TeacherToken string
	// Teachers may sign in at /teacher too, each with a token of their
	// own (--teachers, see ParseTeachers).
	Teachers []Teacher
	// PublicURL is the address learners use when it is none of the
	// server's own (a proxy's, such as https://play.example.org): the
	// server also answers to its host, and cookies are https-only when it
	// is https. Empty: only localhost and IP addresses are answered.
	PublicURL string
}

// Server is the web application: an http.Handler.
type Server struct {
	cfg       Config
	log       *slog.Logger
	mux       *http.ServeMux
	assets    map[string]string // asset path -> URL with a content hash
	admission *admission
	recent    *recentRuns
	metrics   *metrics
	upgrader  websocket.Upgrader
	hosts     hostPolicy
	conns     *connLimit       // WebSockets per client address
	signIns   *throttle        // teacher sign-in attempts per client address
	teachers  *teacherSessions // signed-in teachers
	joinFails *throttle        // wrong join codes per client address
	classHub  *classHub        // the open class grids (classes_live.go)

	mu       sync.Mutex
	sessions map[*session]struct{}
	closing  bool
	wg       sync.WaitGroup // open sessions
}

// requiredAssets must be embedded; New fails without them.
var requiredAssets = []string{"css/app.css", "js/app.js", "img/icon.svg"}

// New checks the embedded assets and builds the routes.
func New(cfg Config) (*Server, error) {
	if cfg.Catalog == nil || cfg.Executor == nil {
		return nil, errors.New("web: a catalog and an executor are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxRuns <= 0 {
		cfg.MaxRuns = runtime.NumCPU()
		cfg.Logger.Info("admission", "max_runs", cfg.MaxRuns, "hint",
			"one program per core; for a class set --max-runs (PLAYGROUND_MAX_RUNS) to about 4 per core, within memory")
	} else {
		cfg.Logger.Info("admission", "max_runs", cfg.MaxRuns)
	}
	if cfg.SlotStuckAfter <= 0 {
		cfg.SlotStuckAfter = defaultSlotStuckAfter
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = defaultMaxQueue
	}
	hosts, err := newHostPolicy(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		admission: newAdmission(cfg.MaxRuns, cfg.MaxQueue),
		recent:    newRecentRuns(),
		sessions:  map[*session]struct{}{},
		hosts:     hosts,
		conns:     newConnLimit(maxConnsPerClient),
		signIns:   newThrottle(signInBurst, signInEvery, maxThrottledClients),
		teachers:  newTeacherSessions(),
		joinFails: newThrottle(joinFailBurst, joinFailEvery, maxThrottledClients),
		classHub:  newClassHub(cfg.Classes, cfg.Logger),
	}
	s.teachers.setList(cfg.Teachers)
	if s.cfg.Recorder != nil && s.cfg.Classes != nil {
		// A run that ends updates the grids of its learner's classes.
		s.cfg.Recorder = classRecorder{RunRecorder: s.cfg.Recorder, hub: s.classHub}
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  wsReadBufferSize,
		WriteBufferSize: wsWriteBufferSize,
		// Write buffers are taken only while a message is written, so an
		// idle connection holds none.
		WriteBufferPool: &sync.Pool{},
		// The same origin as gorilla/websocket's default check, or the
		// public URL's: another site cannot run programs with a learner's
		// cookie.
		CheckOrigin: s.sameOrigin,
	}
	dispatchPath := "in-process"
	if cfg.Fleet != nil {
		dispatchPath = "fleet"
	}
	s.metrics = newMetrics(s.admission, dispatchPath)
	if err := s.hashAssets(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.handleIndex)
	m.HandleFunc("GET /lessons/{slug}", s.handleLesson)
	m.HandleFunc("GET /lessons/{slug}/history", s.handleHistory)
	m.HandleFunc("GET /runs/{id}", s.handleRunPage)
	m.HandleFunc("GET /api/runs/{id}", s.handleRunAPI)
	m.HandleFunc("GET /api/runs/{id}/live", s.handleRunLive)
	m.HandleFunc("POST /nickname", s.handleNickname)
	m.HandleFunc("GET /ws", s.handleWS)
	m.Handle("GET /static/", s.staticHandler())
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.Handle("GET /metrics", s.handleMetrics())
	m.HandleFunc("GET /teacher", s.handleTeacher)
	m.HandleFunc("POST /teacher", s.handleTeacherLogin)
	m.HandleFunc("GET /teacher/runs", s.handleTeacherRuns)
	m.HandleFunc("POST /teacher/signout", s.handleTeacherSignOut)
	s.classRoutes(m)
	m.HandleFunc("/", s.handleNotFound)
	s.mux = m
}

// ServeHTTP refuses requests for other host names (hostcheck.go), adds the
// security headers, the learner id and the language.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !exempt(r) && !s.hosts.allows(r) {
		s.refuseHost(w, r)
		return
	}
	h := w.Header()
	// Everything is served from this origin: no CDN, no inline script.
	// CodeMirror injects its own style elements, hence style-src inline.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	r = withLang(w, r)
	r = withLearner(w, r, s.secureCookies(r))
	s.mux.ServeHTTP(w, r)
}

func (s *Server) hashAssets() error {
	s.assets = map[string]string{}
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.assets[p] = "/static/" + p + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return fmt.Errorf("web: read embedded assets: %w", err)
	}
	for _, p := range requiredAssets {
		if _, ok := s.assets[p]; !ok {
			return fmt.Errorf("web: embedded asset %s is missing", p)
		}
	}
	return nil
}

// asset returns the URL of an embedded asset; the hash in it lets browsers
// cache the file for a long time.
func (s *Server) asset(p string) string { return s.assets[p] }

func (s *Server) staticHandler() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	zipped := newGzipAssets(static.FS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the current content's hash is cached for good: an address
		// with an older hash (a page loaded before an update) is still
		// served, but checked again each time.
		if v := r.URL.Query().Get("v"); v != "" && s.assets[strings.TrimPrefix(r.URL.Path, "/static/")] == r.URL.Path+"?v="+v {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		if zipped.serve(w, r, strings.TrimPrefix(r.URL.Path, "/static/")) {
			return
		}
		files.ServeHTTP(w, r)
	})
}

// secureCookies reports whether cookies must be https-only: the public URL
// is https, or the request came over https.
func (s *Server) secureCookies(r *http.Request) bool {
	return s.hosts.secure() || r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

type learnerKey struct{}

// withLearner gives each browser an anonymous, unguessable id kept in a
// cookie, under which its runs will be kept.
func withLearner(w http.ResponseWriter, r *http.Request, secure bool) *http.Request {
	id := ""
	if c, err := r.Cookie(learnerCookie); err == nil && validLearnerID(c.Value) {
		id = c.Value
	} else {
		var b [16]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
		http.SetCookie(w, &http.Cookie{Name: learnerCookie, Value: id, Path: "/",
			MaxAge: int(learnerCookieAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
			Secure: secure})
	}
	return r.WithContext(context.WithValue(r.Context(), learnerKey{}, id))
}

func validLearnerID(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// Learner returns the anonymous learner id of the request.
func Learner(ctx context.Context) string {
	id, _ := ctx.Value(learnerKey{}).(string)
	return id
}

// dropConnections closes every open WebSocket, as a network failure would.
func (s *Server) dropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ss := range s.sessions {
		ss.conn.Close()
		ss.close()
	}
}

// track registers an open session; false when the server is shutting down.
func (s *Server) track(ss *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sessions[ss] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
	s.wg.Done()
}
