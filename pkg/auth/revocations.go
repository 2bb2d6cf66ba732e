package auth

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
)

// SessionRevokedSubject is the subject the users service publishes a revoked
// login session on (crossdock.users.v1.SessionRevoked, stream USERS). It is
// natsx's, whose permission table lets every service follow it.
const SessionRevokedSubject = natsx.SessionRevokedSubject

// usersStream is the users area's stream, which carries SessionRevokedSubject.
const usersStream = natsx.SessionRevokedStream

// revocationMemory is how long a revoked session is remembered: the longest
// an access token of it can still be accepted, lifetime plus leeway.
const revocationMemory = AccessTokenTTL + time.Minute

// Revocations is the set of login sessions revoked recently enough that some
// of their access tokens may not have expired. A Verifier given it with
// WithRevocations refuses those tokens at once; Follow keeps it up to date
// from the users service's events. Entries are forgotten once every token of
// the session has expired, so the set stays as small as the recent logouts.
// It is safe for concurrent use; keep one per process.
type Revocations struct {
	now func() time.Time

	mu        sync.RWMutex
	until     map[string]time.Time // session id → when its last token expires
	nextPrune time.Time

	caughtUp     chan struct{} // closed once Follow has read the history
	caughtUpOnce sync.Once
}

// NewRevocations returns an empty set.
func NewRevocations() *Revocations {
	return &Revocations{now: time.Now, until: map[string]time.Time{}, caughtUp: make(chan struct{})}
}

// CaughtUp is closed once Follow has read every revocation published before
// it started (the last access-token lifetime's): until then a session
// revoked just before the process started may still be accepted, so a
// process should not report itself ready before.
func (r *Revocations) CaughtUp() <-chan struct{} { return r.caughtUp }

// CatchUpBound bounds how long a process waits for CaughtUp before it
// reports ready anyway: NATS slow to answer, or the users service not
// started yet, must not keep a whole mesh unready.
const CatchUpBound = 15 * time.Second

// ReadinessCheck is a readiness check (server.AddReadiness) that passes
// once CaughtUp is closed, or once CatchUpBound has passed since the check
// was made, logging then that tokens of sessions revoked before the start
// may pass until the revocations are read.
func (r *Revocations) ReadinessCheck(log *slog.Logger) func(context.Context) error {
	deadline := r.now().Add(CatchUpBound)
	var warned sync.Once
	return func(context.Context) error {
		select {
		case <-r.caughtUp:
			return nil
		default:
		}
		if r.now().Before(deadline) {
			return errors.New("the session revocations of the last access-token lifetime are not read yet")
		}
		warned.Do(func() { readyWithoutRevocations(log) })
		return nil
	}
}

// AwaitCatchUp waits until CaughtUp is closed, ctx ends or CatchUpBound
// has passed, logging then as ReadinessCheck does: for a process that
// turns ready once, as the gateway.
func (r *Revocations) AwaitCatchUp(ctx context.Context, log *slog.Logger) {
	t := time.NewTimer(CatchUpBound)
	defer t.Stop()
	select {
	case <-r.caughtUp:
	case <-ctx.Done():
	case <-t.C:
		readyWithoutRevocations(log)
	}
}

func readyWithoutRevocations(log *slog.Logger) {
	log.Warn("ready before the session revocations were read: tokens of sessions revoked before the start may pass until they are")
}

func (r *Revocations) markCaughtUp() { r.caughtUpOnce.Do(func() { close(r.caughtUp) }) }

// Revoke records that session sid was revoked at at.
func (r *Revocations) Revoke(sid string, at time.Time) {
	now := r.now()
	until := at.Add(revocationMemory)
	if sid == "" || !until.After(now) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if until.After(r.until[sid]) {
		r.until[sid] = until
	}
	if now.After(r.nextPrune) {
		for id, u := range r.until {
			if !u.After(now) {
				delete(r.until, id)
			}
		}
		r.nextPrune = now.Add(time.Minute)
	}
}

// Revoked reports whether session sid was revoked. A nil set revokes nothing.
func (r *Revocations) Revoked(sid string) bool {
	if r == nil {
		return false
	}
	r.mu.RLock()
	until, ok := r.until[sid]
	r.mu.RUnlock()
	return ok && r.now().Before(until)
}

// Follow reads the revoked sessions from the USERS stream until ctx ends:
// first those of the last access-token lifetime, whose tokens may still be
// live, then each as it is published. It waits for the stream when the users
// service has not created it yet, and retries what fails (logging it) rather
// than taking the service down. The consumer is ordered and ephemeral: it
// keeps no server state, and every replica of every service reads the whole
// subject.
func (r *Revocations) Follow(ctx context.Context, js jetstream.JetStream, log *slog.Logger) error {
	if _, err := natsx.WaitForStream(ctx, js, usersStream, log); err != nil {
		return nil // ctx ended
	}
	for ctx.Err() == nil {
		start := r.now().Add(-revocationMemory)
		cons, err := js.OrderedConsumer(ctx, usersStream, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{SessionRevokedSubject},
			DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
			OptStartTime:   &start,
		})
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("session revocations: consumer", "error", err)
				pause(ctx, time.Second)
			}
			continue
		}
		if info := cons.CachedInfo(); info != nil && info.NumPending == 0 {
			r.markCaughtUp() // nothing revoked in the window
		}
		iter, err := cons.Messages()
		if err != nil {
			log.Warn("session revocations: subscribe", "error", err)
			pause(ctx, time.Second)
			continue
		}
		r.consume(ctx, iter, log)
	}
	return nil
}

func (r *Revocations) consume(ctx context.Context, iter jetstream.MessagesContext, log *slog.Logger) {
	stop := context.AfterFunc(ctx, iter.Stop)
	defer stop()
	defer iter.Stop()
	for {
		msg, err := iter.Next()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				log.Warn("session revocations: next", "error", err)
			}
			return
		}
		var ev usersv1.SessionRevoked
		if err := proto.Unmarshal(msg.Data(), &ev); err != nil {
			log.Error("session revocations: undecodable event", "subject", msg.Subject(), "error", err)
			continue
		}
		at := ev.GetOccurredAt().AsTime()
		if ev.GetOccurredAt() == nil {
			if md, err := msg.Metadata(); err == nil {
				at = md.Timestamp
			}
		}
		r.Revoke(ev.GetSessionId(), at)
		if md, err := msg.Metadata(); err == nil && md.NumPending == 0 {
			r.markCaughtUp()
		}
	}
}

// pause waits for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
