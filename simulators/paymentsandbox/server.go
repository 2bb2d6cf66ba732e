package paymentsandbox

import (
	"context"
	"net/http"
	"sync"

	"github.com/crossdock/crossdock/simulators/jsonapi"
	"github.com/crossdock/crossdock/simulators/webhookout"
)

// Server is the sandbox's HTTP API and its webhook sender. It is safe for
// concurrent use.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	sender *webhookout.Sender

	// ctx ends with Close and stops every pending delivery and timer.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the state below: one lock for everything is plenty for a
	// sandbox, and it makes an idempotent request atomic.
	mu      sync.Mutex
	intents map[string]*intent
	payouts map[string]*payout
}

// New returns a server for cfg, which must pass Validate.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:     cfg,
		mux:     http.NewServeMux(),
		ctx:     ctx,
		cancel:  cancel,
		intents: map[string]*intent{},
		payouts: map[string]*payout{},
		sender: &webhookout.Sender{
			URL: cfg.WebhookURL, Secret: cfg.WebhookSecret, Header: SignatureHeader,
			RetryInitial: cfg.RetryInitial, RetryMax: cfg.RetryMax, MaxAttempts: cfg.MaxAttempts,
			Timeout: cfg.DeliveryTimeout, Client: cfg.Client, Now: cfg.Now, Log: cfg.Log,
		},
	}
	api := jsonapi.New(jsonapi.Options{
		APIKey: cfg.APIKey, FailRate: cfg.FailRate, LostAnswerRate: cfg.LostAnswerRate, Rand: cfg.Rand, FaultCode: "sandbox_fault",
		Now: cfg.Now, State: &s.mu,
	})
	s.mux.HandleFunc("GET /healthz", jsonapi.Healthz)
	s.mux.Handle("POST /v1/payment_intents", api.Handle(true, s.createIntent))
	s.mux.Handle("GET /v1/payment_intents/{id}", api.Handle(true, s.getIntent))
	s.mux.Handle("POST /v1/payment_intents/{id}/confirm", api.Handle(false, s.confirmIntent))
	s.mux.Handle("POST /v1/payment_intents/{id}/cancel", api.Handle(true, s.cancelIntent))
	s.mux.Handle("POST /v1/payouts", api.Handle(true, s.createPayout))
	s.mux.Handle("GET /v1/payouts/{id}", api.Handle(true, s.getPayout))
	s.mux.HandleFunc("/", jsonapi.NoRoute)
	return s, nil
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops every pending delivery and timer and waits for them.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
}

// cardError is a card_error: the error object with the intent the refused
// confirm left behind.
type cardError struct {
	jsonapi.Error
	PaymentIntent *intentJSON `json:"payment_intent,omitempty"`
}
