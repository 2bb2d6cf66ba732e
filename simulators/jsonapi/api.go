package jsonapi

import (
	"crypto/subtle"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// MaxBody bounds a request body; the simulators' bodies are a few hundred
// bytes.
const MaxBody = 64 << 10

// Response is what a handler answers: a status and a JSON value.
type Response struct {
	Status int
	Body   any
}

// Handler runs one call with the simulator's state lock held and the body
// read.
type Handler func(r *http.Request, body []byte) Response

// Options are what every call of one simulator shares.
type Options struct {
	// APIKey is the bearer token the calls that need one must carry.
	APIKey string
	// FailRate is the chance, 0 to 1, that a call answers 503 and does
	// nothing; Rand draws in [0, 1) for it and for LostAnswerRate.
	FailRate float64
	Rand     func() float64
	// LostAnswerRate is the chance, 0 to 1, that a call does its work (and
	// an idempotent one remembers its answer) and answers 503 all the same,
	// as when the answer is lost on its way back: a caller retrying with
	// its key gets the first answer, one retrying without repeats the work.
	LostAnswerRate float64
	// KeyTTL is how long an Idempotency-Key's answer is kept; a key reused
	// later runs again, as at a real provider. Zero is 24 hours.
	KeyTTL time.Duration
	// Now is the clock of KeyTTL; nil is time.Now.
	Now func() time.Time
	// FaultCode is the code of those 503s, naming the simulator.
	FaultCode string
	// State is the simulator's state lock, held while a handler runs so an
	// idempotent request is atomic.
	State sync.Locker
}

// API wraps a simulator's handlers with the faults, the authorization, the
// idempotency check and the JSON encoding every call shares.
type API struct {
	opts Options
	// idempotency and remembered (answers stored since the last sweep of
	// expired keys) are guarded by opts.State.
	idempotency map[string]stored
	remembered  int
}

// New returns an API for o.
func New(o Options) *API {
	if o.KeyTTL <= 0 {
		o.KeyTTL = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &API{opts: o, idempotency: map[string]stored{}}
}

// Handle serves h; needKey says whether the call needs the API key (a
// payer confirming with a client secret does not).
func (a *API) Handle(needKey bool, h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.opts.FailRate > 0 && a.opts.Rand() < a.opts.FailRate {
			WriteError(w, &Error{Status: http.StatusServiceUnavailable, Type: "api_error", Code: a.opts.FaultCode,
				Message: "the simulator failed this call on purpose (FAIL_RATE)"})
			return
		}
		if needKey && !a.authorized(r) {
			WriteError(w, &Error{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "invalid_api_key",
				Message: "a valid API key is required: Authorization: Bearer <key>"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			WriteError(w, Invalid("", "the request body could not be read"))
			return
		}
		a.opts.State.Lock()
		res := a.idempotent(r, body, h)
		lost := a.opts.LostAnswerRate > 0 && a.opts.Rand() < a.opts.LostAnswerRate
		a.opts.State.Unlock()
		if lost {
			WriteError(w, &Error{Status: http.StatusServiceUnavailable, Type: "api_error", Code: a.opts.FaultCode,
				Message: "the simulator did this call's work and lost its answer on purpose (LOST_ANSWER_RATE)"})
			return
		}
		WriteJSON(w, res.Status, res.Body)
	})
}

func (a *API) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(a.opts.APIKey)) == 1
}

// Healthz answers "ok": the probe every simulator serves without a key and
// never faults.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "ok\n")
}

// NoRoute answers 404 for any path the API does not serve.
func NoRoute(w http.ResponseWriter, _ *http.Request) {
	WriteError(w, NotFound("no such route"))
}
