package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Failed credential checks are throttled here, in the users service, and not
// only at the gateway: the gRPC port can be reached without it. The design
// (README "Throttling credential guesses") in short:
//
//   - per account and client (a pair): after PairFree failures each further
//     attempt waits 1 s, 2 s, 4 s, … since the last failure, at most PairCap;
//   - per client across accounts (one address trying many accounts): the same
//     after ClientFree failures;
//   - per account across clients: after AccountFree failures attempts wait at
//     most AccountCap since the last failure — it only slows rotation over
//     many addresses — and a client that has signed in to the account before
//     skips it, so nobody can keep an account's owner out.
//
// Attempts refused by the throttle are not failures: hammering does not
// extend anyone's wait. Failures older than Window are forgotten.

// ThrottlePolicy sets the throttle's thresholds.
type ThrottlePolicy struct {
	PairFree, ClientFree, AccountFree int
	// Base is the first delay after the free failures; each further
	// failure doubles it.
	Base                           time.Duration
	PairCap, ClientCap, AccountCap time.Duration
	// Window is how long a failure counts.
	Window time.Duration
	// Trust is how long a successful sign-in lets a client skip the
	// account-wide limit.
	Trust time.Duration
}

// DefaultThrottlePolicy is the production policy.
func DefaultThrottlePolicy() ThrottlePolicy {
	return ThrottlePolicy{
		PairFree: 5, ClientFree: 20, AccountFree: 20,
		Base:    time.Second,
		PairCap: 5 * time.Minute, ClientCap: 5 * time.Minute, AccountCap: 30 * time.Second,
		Window: time.Hour, Trust: 30 * 24 * time.Hour,
	}
}

// FailureRecord is what the FailureLog holds for one key.
type FailureRecord struct {
	Failures    int
	LastFailure time.Time
	LastSuccess time.Time
}

// FailureLog stores failed credential checks, shared by every replica.
type FailureLog interface {
	// Failures returns the records of keys; a key never seen is absent.
	Failures(ctx context.Context, keys []string) (map[string]FailureRecord, error)
	// RecordFailure counts one failure on each key at now; a count whose last
	// failure is older than window starts again from one.
	RecordFailure(ctx context.Context, keys []string, now time.Time, window time.Duration) error
	// RecordSuccess clears key's failures and marks a success at now.
	RecordSuccess(ctx context.Context, key string, now time.Time) error
	// PruneFailures deletes records with no activity since before.
	PruneFailures(ctx context.Context, before time.Time) (int64, error)
}

// ErrTooManyAttempts answers a throttled credential check; the error carries
// the delay as RetryInfo.
var ErrTooManyAttempts = apperr.ResourceExhausted("too many failed attempts; retry later").WithReason("TOO_MANY_ATTEMPTS")

// Client is the network identity of a caller: the address its connection
// comes from and, when a caller such as the gateway speaks for many
// clients, the client address it forwards.
type Client struct {
	Peer, Forwarded string
}

// key is what the throttle counts failures by: a forwarded address is only
// a claim, so it never replaces the peer, it splits it. A caller that
// forges addresses escapes the per-client limits but not the per-account
// one.
func (c Client) key() string {
	if c.Forwarded == "" {
		return c.Peer
	}
	return c.Peer + "/" + c.Forwarded
}

// origin is where the client itself is: the forwarded address, or the peer
// when none is forwarded. A sign-in trusts the client by it, whichever of
// the gateway's replicas (each its own peer, and new ones on every
// rollout) carried the request.
func (c Client) origin() string {
	if c.Forwarded == "" {
		return c.Peer
	}
	return c.Forwarded
}

// clientKey is the context key of the caller's network identity.
type clientKey struct{}

// WithClient records the network identity of the caller, which the
// throttle counts failures by.
func WithClient(ctx context.Context, client Client) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

func clientFrom(ctx context.Context) Client {
	if c, ok := ctx.Value(clientKey{}).(Client); ok && c.Peer != "" {
		return c
	}
	return Client{Peer: "unknown"}
}

// throttle applies the policy to one scope ("login", "service-token").
type throttle struct {
	scope  string
	policy ThrottlePolicy
	log    FailureLog
	// checking holds the pairs, and (with oneAccountAtATime) the accounts
	// of untrusted clients, with an attempt being checked in this process:
	// a failure is counted only once its check is done, so attempts sent
	// at once would all pass the failure count together (ten guesses where
	// one is allowed).
	checking          *checking
	oneAccountAtATime bool
}

// newThrottle is a throttle of scope; oneAccountAtATime also checks an
// account's attempts from clients never signed in to it one at a time.
// Service tokens do not: the pods of a service starting together ask for
// one under the same client id from new addresses, and one refused would
// fail its first calls.
func newThrottle(scope string, policy ThrottlePolicy, log FailureLog, oneAccountAtATime bool) throttle {
	return throttle{scope: scope, policy: policy, log: log, checking: &checking{keys: map[string]struct{}{}}, oneAccountAtATime: oneAccountAtATime}
}

// checking is a set of throttle keys, each with an attempt in progress.
type checking struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

// take claims every key, or none when one is claimed already; release
// gives them back.
func (c *checking) take(keys ...string) (release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if _, busy := c.keys[k]; busy {
			return nil, false
		}
	}
	for _, k := range keys {
		c.keys[k] = struct{}{}
	}
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, k := range keys {
			delete(c.keys, k)
		}
	}, true
}

// ErrAttemptInProgress refuses an attempt while another for the same
// account, from the same client (or from any client never signed in to
// it), is being checked in this process; it carries a retry delay.
var ErrAttemptInProgress = apperr.ResourceExhausted("another attempt for this account is being checked; retry in a moment").
	WithReason("ATTEMPT_IN_PROGRESS")

// attemptRetry is the retry delay ErrAttemptInProgress suggests: about
// one password check's time, and more.
const attemptRetry = time.Second

func (t throttle) keys(account string, client Client) (pair, byClient, byAccount string) {
	account, key := boundedKey(account), boundedKey(client.key())
	return t.scope + ":pair:" + account + "|" + key, t.scope + ":client:" + key, t.scope + ":account:" + account
}

// trustKey is where a sign-in of the client to the account is remembered.
func (t throttle) trustKey(account string, client Client) string {
	return t.scope + ":trust:" + boundedKey(account) + "|" + boundedKey(client.origin())
}

// boundedKey is s, or for a long s (a malformed e-mail or client id of
// thousands of characters, throttled like any other) its SHA-256: the
// failure log's keys stay short enough to index.
func boundedKey(s string) string {
	if len(s) <= maxKeyPart {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// maxKeyPart bounds an account or client as it stands in a throttle key.
const maxKeyPart = 320

// check refuses the attempt while a limit applies, with the time left, or
// while another attempt of the pair (or, for a client never signed in to
// the account, of the account) is being checked in this process. Passed,
// it holds those keys until release is called, once the attempt's outcome
// is recorded.
func (t throttle) check(ctx context.Context, account string, client Client, now time.Time) (release func(), err error) {
	pair, byClient, byAccount := t.keys(account, client)
	trust := t.trustKey(account, client)
	recs, err := t.log.Failures(ctx, []string{pair, byClient, byAccount, trust})
	if err != nil {
		return nil, err
	}
	p := t.policy
	wait := remaining(recs[pair], p.PairFree, p.Base, p.PairCap, p.Window, now)
	wait = max(wait, remaining(recs[byClient], p.ClientFree, p.Base, p.ClientCap, p.Window, now))
	held := []string{pair}
	// The pair's own success still counts: sign-ins remembered before the
	// trust had a key of its own.
	if last := later(recs[pair].LastSuccess, recs[trust].LastSuccess); last.IsZero() || now.Sub(last) > p.Trust {
		wait = max(wait, remaining(recs[byAccount], p.AccountFree, p.Base, p.AccountCap, p.Window, now))
		if t.oneAccountAtATime {
			held = append(held, byAccount)
		}
	}
	if wait > 0 {
		return nil, ErrTooManyAttempts.WithRetryDelay(wait)
	}
	release, ok := t.checking.take(held...)
	if !ok {
		return nil, ErrAttemptInProgress.WithRetryDelay(attemptRetry)
	}
	return release, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (t throttle) failed(ctx context.Context, account string, client Client, now time.Time) error {
	pair, byClient, byAccount := t.keys(account, client)
	return t.log.RecordFailure(ctx, []string{pair, byClient, byAccount}, now, t.policy.Window)
}

func (t throttle) succeeded(ctx context.Context, account string, client Client, now time.Time) error {
	pair, _, _ := t.keys(account, client)
	if err := t.log.RecordSuccess(ctx, pair, now); err != nil {
		return err
	}
	return t.log.RecordSuccess(ctx, t.trustKey(account, client), now)
}

// remaining is how long an attempt must still wait after r's failures.
func remaining(r FailureRecord, free int, base, limit, window time.Duration, now time.Time) time.Duration {
	if r.Failures < free || r.LastFailure.IsZero() || now.Sub(r.LastFailure) > window {
		return 0
	}
	return r.LastFailure.Add(Backoff(r.Failures-free, base, limit)).Sub(now)
}

// Backoff is base doubled n times, at most limit.
func Backoff(n int, base, limit time.Duration) time.Duration {
	if n >= 30 {
		return limit
	}
	return min(base<<n, limit)
}
