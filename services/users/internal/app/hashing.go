package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/users/internal/argon2id"
)

// DefaultPasswordHashes is how many password hashes run at once by
// default: each takes the parameters' memory (19 MiB for OWASP's) for
// about 40 ms of a core, so four keep two cores busy in well under 100 MiB.
const DefaultPasswordHashes = 4

// hashWait is how long a password check waits for a hash slot before it
// is refused as busy: a burst queues briefly, a flood is turned away
// before it costs memory.
const hashWait = 2 * time.Second

// WithHashWait sets how long a password check waits for a hash slot
// (hashWait), for tests.
func WithHashWait(d time.Duration) Option {
	return func(s *Service) { s.hashWait = d }
}

// ErrPasswordChecksBusy refuses a login, a sign-up or an account made by an
// admin or an organization's owner (each hashes a password) while
// every hash slot stayed taken for hashWait: the hashes running are what
// holds the process's memory, and more at once would take it past its
// limit (every login, even one naming an unknown e-mail, costs a hash).
// It says nothing of the credentials and counts no failed attempt.
var ErrPasswordChecksBusy = apperr.Unavailable("too many passwords are being checked at once; try again in a moment").
	WithReason("PASSWORD_CHECKS_BUSY").WithRetryDelay(time.Second)

// withHashSlot runs fn once a hash slot is free, or answers
// ErrPasswordChecksBusy (the caller's own end when ctx ends first).
func (s *Service) withHashSlot(ctx context.Context, fn func()) error {
	wait := time.NewTimer(s.hashWait)
	defer wait.Stop()
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-wait.C:
		return ErrPasswordChecksBusy
	}
	defer func() { <-s.hashSlots }()
	fn()
	return nil
}

// hashPassword hashes password under the configured parameters in a slot.
func (s *Service) hashPassword(ctx context.Context, password string) (hash string, err error) {
	if serr := s.withHashSlot(ctx, func() { hash, err = s.cfg.Password.Hash(password) }); serr != nil {
		return "", serr
	}
	return hash, err
}

// verifyPassword checks password against the stored hash in a slot.
func (s *Service) verifyPassword(ctx context.Context, password, encoded string) (ok bool, err error) {
	if serr := s.withHashSlot(ctx, func() { ok, err = argon2id.Verify(password, encoded) }); serr != nil {
		return false, serr
	}
	return ok, err
}
