package server

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
)

// readyzBody is the JSON /readyz answers with; Failing lists check names only,
// never their errors, which may describe internals.
type readyzBody struct {
	Status  string   `json:"status"`
	Failing []string `json:"failing,omitempty"`
}

func (s *Server) adminHandler(metrics http.Handler) http.Handler {
	mux := adminMux(s.serveReadyz, metrics)
	if s.cfg.Profiling {
		ServeProfiles(mux)
	}
	return mux
}

// ServeProfiles adds Go's profiles (/debug/pprof/...) to an admin mux.
func ServeProfiles(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// adminMux serves /healthz (the process answers), /readyz and /metrics.
func adminMux(readyz http.HandlerFunc, metrics http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", readyz)
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	return mux
}

func (s *Server) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	body := readyzBody{Status: "ready"}
	code := http.StatusOK
	switch {
	case s.stopping:
		body.Status, code = "stopping", http.StatusServiceUnavailable
	case !s.ready:
		body.Status, code = "not ready", http.StatusServiceUnavailable
		body.Failing = append([]string(nil), s.failing...)
	}
	s.mu.Unlock()
	writeReadyz(w, code, body)
}

func writeReadyz(w http.ResponseWriter, code int, body readyzBody) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// Admin is the admin HTTP handler for a process without a gRPC server (the
// gateway): the same /healthz, /readyz and /metrics, with readiness set by the
// process itself. Further admin routes can be added with Handle.
type Admin struct {
	*http.ServeMux
	ready atomic.Bool
}

// NewAdmin builds an admin handler that is not ready until SetReady(true).
func NewAdmin(metrics http.Handler) *Admin {
	a := &Admin{}
	a.ServeMux = adminMux(a.serveReadyz, metrics)
	return a
}

// SetReady flips /readyz between 200 and 503.
func (a *Admin) SetReady(ready bool) { a.ready.Store(ready) }

func (a *Admin) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	if a.ready.Load() {
		writeReadyz(w, http.StatusOK, readyzBody{Status: "ready"})
		return
	}
	writeReadyz(w, http.StatusServiceUnavailable, readyzBody{Status: "not ready"})
}
