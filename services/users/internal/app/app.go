// Package app holds the users service's use cases: one method per command or
// query of the contract, each checking who may call it, validating its input
// before writing anything, and running its writes and events in one
// transaction. Callers are identified by the auth.Caller the gRPC edge
// verified; the methods never trust a client-supplied identity.
package app

import (
	"crypto/rand"
	"encoding/base64"
	"sync/atomic"
	"time"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/argon2id"
)

// Config holds the service's token and password settings.
type Config struct {
	// AccessTokenTTL is the lifetime of access tokens (auth.AccessTokenTTL).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the lifetime of each refresh token (30 days).
	RefreshTokenTTL time.Duration
	// SigningKeyRotation is how long a signing key signs before the next one
	// takes over (720h).
	SigningKeyRotation time.Duration
	// KeyPublishLead is the least time a new next key is published before it
	// signs on schedule, so verifiers can fetch it first (15 minutes: more
	// than the ten minutes after which verifiers refetch their keys).
	KeyPublishLead time.Duration
	// Password are the argon2id parameters for new hashes.
	Password argon2id.Params
	// Throttle limits failed logins and service-token requests.
	Throttle ThrottlePolicy
	// PasswordHashes is how many password hashes run at once
	// (DefaultPasswordHashes); more wait for a slot, or are refused
	// (ErrPasswordChecksBusy).
	PasswordHashes int
	// RefreshReuseGrace is how long after its exchange a refresh token may
	// be exchanged again without ending its session (10 s; 0: never). Two
	// tabs of one browser share a token and refresh it at once; without it
	// the second ends the session the first just renewed.
	RefreshReuseGrace time.Duration
}

// DefaultConfig returns the production settings.
func DefaultConfig() Config {
	return Config{
		AccessTokenTTL:     auth.AccessTokenTTL,
		RefreshTokenTTL:    30 * 24 * time.Hour,
		SigningKeyRotation: 720 * time.Hour,
		KeyPublishLead:     15 * time.Minute,
		RefreshReuseGrace:  10 * time.Second,
		Password:           argon2id.OWASP,
		Throttle:           DefaultThrottlePolicy(),
		PasswordHashes:     DefaultPasswordHashes,
	}
}

// Service runs the use cases against a Store.
type Service struct {
	store Store
	cfg   Config
	now   func() time.Time
	// dummyHash is verified against when a login names an unknown e-mail, so
	// the answer takes as long as for a wrong password.
	dummyHash string
	// logins and serviceTokens throttle failed credential checks; signUps
	// the sign-ups answered EMAIL_TAKEN.
	logins, serviceTokens, signUps throttle
	// hashSlots holds one token per password hash running (withHashSlot);
	// a check waits hashWait at most for one.
	hashSlots chan struct{}
	hashWait  time.Duration
	// configured are the service accounts the deployment configures
	// (EnsureServiceClients): their secrets are the configuration's.
	configured atomic.Pointer[map[string]bool]
}

// Option changes a Service's defaults.
type Option func(*Service)

// WithClock sets the clock, for tests of expiry and rotation.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// New returns the use cases over store with cfg.
func New(store Store, cfg Config, opts ...Option) (*Service, error) {
	s := &Service{store: store, cfg: cfg, now: time.Now,
		logins:        newThrottle("login", cfg.Throttle, store, true),
		serviceTokens: newThrottle("service-token", cfg.Throttle, store, false),
		signUps:       newThrottle("sign-up", cfg.Throttle, store, true),
		hashSlots:     make(chan struct{}, max(cfg.PasswordHashes, 1)),
		hashWait:      hashWait,
	}
	for _, o := range opts {
		o(s)
	}
	h, err := cfg.Password.Hash(randomToken())
	if err != nil {
		return nil, err
	}
	s.dummyHash = h
	return s, nil
}

// clock returns the current time at microsecond precision, which is what
// PostgreSQL stores, so values read back compare equal to values written.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// randomToken returns 32 random bytes as unpadded base64url: refresh tokens
// and API client secrets.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(b)
}
