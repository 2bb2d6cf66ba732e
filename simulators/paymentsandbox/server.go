package paymentsandbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Server is the sandbox's HTTP API and its webhook sender. It is safe for
// concurrent use.
type Server struct {
	cfg Config
	mux *http.ServeMux

	// ctx ends with Close and stops every pending delivery and timer.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the state below: one lock for everything is plenty for a
	// sandbox, and it makes an idempotent request atomic.
	mu          sync.Mutex
	intents     map[string]*intent
	payouts     map[string]*payout
	idempotency map[string]stored
}

// New returns a server for cfg, which must pass Validate.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:         cfg.withDefaults(),
		mux:         http.NewServeMux(),
		ctx:         ctx,
		cancel:      cancel,
		intents:     map[string]*intent{},
		payouts:     map[string]*payout{},
		idempotency: map[string]stored{},
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok\n")
	})
	s.mux.Handle("POST /v1/payment_intents", s.api(true, s.createIntent))
	s.mux.Handle("GET /v1/payment_intents/{id}", s.api(true, s.getIntent))
	s.mux.Handle("POST /v1/payment_intents/{id}/confirm", s.api(false, s.confirmIntent))
	s.mux.Handle("POST /v1/payouts", s.api(true, s.createPayout))
	s.mux.Handle("GET /v1/payouts/{id}", s.api(true, s.getPayout))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, errNotFound("no such route"))
	})
	return s, nil
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops every pending delivery and timer and waits for them.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
}

// maxBody bounds a request body; the API's bodies are a few hundred bytes.
const maxBody = 64 << 10

// response is what a handler answers: a status and a JSON value.
type response struct {
	status int
	body   any
}

// handler runs one call with the server's lock held and the body read.
type handler func(r *http.Request, body []byte) response

// api wraps a handler with the faults, the authorization, the idempotency
// check and the JSON encoding every call shares.
func (s *Server) api(needKey bool, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.FailRate > 0 && s.cfg.Rand() < s.cfg.FailRate {
			writeError(w, &apiError{Status: http.StatusServiceUnavailable, Type: "api_error", Code: "sandbox_fault",
				Message: "the sandbox failed this call on purpose (FAIL_RATE)"})
			return
		}
		if needKey && !s.authorized(r) {
			writeError(w, &apiError{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "invalid_api_key",
				Message: "a valid API key is required: Authorization: Bearer <key>"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, errInvalid("", "the request body could not be read"))
			return
		}
		s.mu.Lock()
		res := s.idempotent(r, body, h)
		s.mu.Unlock()
		writeJSON(w, res.status, res.body)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.APIKey)) == 1
}

// decode reads a JSON body into v, refusing unknown fields so a typo in a
// test flag is an error rather than silently ignored.
func decode(body []byte, v any) *apiError {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errInvalid("", "the body is not the expected JSON: "+err.Error())
	}
	return nil
}

// apiError is the error object of every failed call, shaped like Stripe's:
// {"error": {"type": ..., "code": ..., "message": ..., "param": ...}}.
type apiError struct {
	Status  int    `json:"-"`
	Type    string `json:"type"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
	// PaymentIntent is the intent a card error left behind.
	PaymentIntent *intentJSON `json:"payment_intent,omitempty"`
}

func (e *apiError) Error() string { return e.Type + "/" + e.Code + ": " + e.Message }

func (e *apiError) response() response {
	return response{e.Status, map[string]*apiError{"error": e}}
}

func errInvalid(param, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "parameter_invalid", Param: param, Message: msg}
}

func errNotFound(msg string) *apiError {
	return &apiError{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "resource_missing", Message: msg}
}

func writeError(w http.ResponseWriter, e *apiError) {
	res := e.response()
	writeJSON(w, res.status, res.body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newID returns prefix + 24 random hex digits, like "pi_3f…".
func newID(prefix string) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("paymentsandbox: no randomness: " + err.Error()))
	}
	return prefix + hex.EncodeToString(b)
}
