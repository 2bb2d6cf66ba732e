// Package app holds platform-docking's use cases: the partner registry
// (admins), the verification handshake with a partner's endpoint, and the
// partner-facing reads. Each command checks who may call it, validates its
// input before writing anything, and never holds a transaction open across
// a call to a partner.
package app

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Store keeps the partners.
type Store interface {
	// CreatePartner stores a new partner; a taken code or API client is
	// AlreadyExists.
	CreatePartner(ctx context.Context, p domain.Partner) error
	GetPartner(ctx context.Context, id uuid.UUID) (domain.Partner, error)
	// GetPartnerByAPIClient finds the partner that signs as clientID.
	GetPartnerByAPIClient(ctx context.Context, clientID string) (domain.Partner, error)
	ListPartners(ctx context.Context) ([]domain.Partner, error)
	// UpdatePartner locks the partner, applies change and saves it with its
	// version bumped, in one transaction; an error from change saves nothing.
	UpdatePartner(ctx context.Context, id uuid.UUID, change func(*domain.Partner) error) (domain.Partner, error)
}

// Handshaker runs the verification handshake with a partner's endpoint: it
// sends the challenge and returns the partner's proof. It only carries the
// exchange; the proof is checked here. An endpoint that cannot be reached is
// an apperr Unavailable error; a partner refusing is ErrHandshakeFailed.
// There is one per protocol.
type Handshaker interface {
	Handshake(ctx context.Context, p domain.Partner, challenge []byte) (proof []byte, err error)
}

// CredentialChecker verifies a partner of a protocol without a handshake,
// whose calls carry credentials the partner issued to us (an app key and
// secret): the partner must show it holds them by answering the nonce in a
// way only a holder of the secret can. An endpoint that cannot be reached
// is an apperr Unavailable error; a partner refusing or answering wrongly is
// ErrHandshakeFailed. There is one per protocol.
type CredentialChecker interface {
	CheckCredentials(ctx context.Context, p domain.Partner, nonce []byte) error
}

// Service runs the use cases.
type Service struct {
	store      Store
	handshaker map[domain.Protocol]Handshaker
	checkers   map[domain.Protocol]CredentialChecker
	// keys looks up a partner's API client in the users service: its public
	// keys check handshake proofs.
	keys auth.KeyLookup
	// plaintext allows partner endpoints without TLS (development).
	plaintext bool
	now       func() time.Time
	rand      func([]byte)
}

// Option changes a Service's defaults.
type Option func(*Service)

// WithClock sets the clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithCredentialCheckers sets the credential checkers by protocol, which
// verify the partners no handshaker serves (REST marketplaces).
func WithCredentialCheckers(checkers map[domain.Protocol]CredentialChecker) Option {
	return func(s *Service) { s.checkers = checkers }
}

// WithPlaintextPartners lets partners be registered with endpoints reached
// without TLS (REST partners' http URLs), as a development installation
// does for its simulators. Without it every partner must be reached over
// TLS.
func WithPlaintextPartners(allowed bool) Option { return func(s *Service) { s.plaintext = allowed } }

// New returns the use cases over store, the handshakers by protocol and the
// API clients' key lookup.
func New(store Store, handshakers map[domain.Protocol]Handshaker, keys auth.KeyLookup, opts ...Option) *Service {
	s := &Service{store: store, handshaker: handshakers, keys: keys, now: time.Now,
		rand: func(b []byte) { _, _ = rand.Read(b) }} // crypto/rand.Read never fails
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
