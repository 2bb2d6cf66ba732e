package domain

import (
	"crypto/subtle"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// APIClientKind is what a machine credential stands for.
type APIClientKind string

// Partners and ERPs sign their requests with their Ed25519 private key, of
// which only the public key is kept; service accounts exchange their secret
// for an access token.
const (
	ClientPartner APIClientKind = "partner"
	ClientERP     APIClientKind = "erp"
	ClientService APIClientKind = "service"
)

// Secret rotation bounds.
const (
	DefaultSecretOverlap = 24 * time.Hour
	MaxSecretOverlap     = 30 * 24 * time.Hour
	// MaxRetiredKeys bounds the credentials still in their overlap after
	// rotations, so checking a request against every accepted key stays
	// cheap. A rotation with an overlap of at most ShortOverlap (a leaked
	// key) is never refused for it: it ends every retired key within that
	// overlap.
	MaxRetiredKeys = 4
	ShortOverlap   = time.Minute
)

var clientID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// MaxERPClients is how many ERP clients an organization may have, disabled
// ones included (none is ever deleted): an ERP needs one or two, a
// credential is renewed by rotation, and without a bound an owner could
// grow the clients' list, which is answered whole, past what a response
// may carry.
const MaxERPClients = 20

// Errors of API clients.
var (
	ErrClientDisabled   = apperr.FailedPrecondition("the API client is disabled").WithReason("API_CLIENT_DISABLED")
	ErrERPNeedsSupplier = apperr.FailedPrecondition("an ERP client needs an approved supplier organization").
				WithReason("ERP_NEEDS_SUPPLIER")
	ErrTooManyERPClients = apperr.FailedPrecondition(fmt.Sprintf("an organization has at most %d ERP clients, disabled ones included: "+
		"rotate a client's credential rather than create another", MaxERPClients)).WithReason("API_CLIENT_LIMIT")
	ErrTooManyRetiredKeys = apperr.FailedPrecondition("this client's earlier credentials are all still in their overlap: " +
		"wait for the oldest to expire, or rotate with an overlap of at most a minute, which ends them all").WithReason("API_CLIENT_ROTATIONS_OVERLAP")
)

// APIClient is a machine credential. Only what verifies it is kept, never
// what it authenticates with: a partner's or ERP's Ed25519 public key, or
// the hash of a service account's secret. Key is the current one; each key
// a rotation retired works until the end of its own overlap.
type APIClient struct {
	ID   string
	Name string
	Kind APIClientKind
	// OrganizationID is the supplier an ERP client acts for; uuid.Nil otherwise.
	OrganizationID uuid.UUID
	Disabled       bool
	Key            []byte
	// Retired are the keys rotations replaced, oldest first, while their
	// overlap lasts. Every one is kept, not only the last: when a rotation's
	// answer is lost and the caller rotates again, the key the client still
	// holds is the older one, and it must keep working for the overlap it
	// was given.
	Retired   []RetiredKey
	CreatedAt time.Time
}

// RetiredKey is a key a rotation replaced and when it stops working.
type RetiredKey struct {
	Key       []byte
	ExpiresAt time.Time
}

// APIClientInput is a request for a new client.
type APIClientInput struct {
	Name           string
	Kind           APIClientKind
	OrganizationID uuid.UUID
	// PublicKey is a partner's or ERP's own public key, as sent; empty to
	// have a key pair generated.
	PublicKey string
}

// ValidateAPIClient checks the name, the kind, that exactly ERP clients
// name an organization and that only signing clients bring a public key
// (fields "name", "kind", "organization_id", "public_key"). The key's own
// format is checked where it is parsed.
func ValidateAPIClient(in APIClientInput) (APIClientInput, error) {
	var v violations
	in.Name = apperr.CheckText(&v, "name", in.Name, 1, 100)
	if in.Kind == ClientService && in.PublicKey != "" {
		v.Add("public_key", "is only for partner and ERP clients")
	}
	switch in.Kind {
	case ClientPartner, ClientService:
		if in.OrganizationID != uuid.Nil {
			v.Add("organization_id", "is only for ERP clients")
		}
	case ClientERP:
		if in.OrganizationID == uuid.Nil {
			v.Add("organization_id", "is required for an ERP client")
		}
	default:
		v.Add("kind", "must be partner, erp or service")
	}
	return in, v.Err()
}

// ValidClientID reports whether id is shaped like a client id: 2 to 64
// lower-case letters, digits, dots, dashes or underscores.
func ValidClientID(id string) bool { return clientID.MatchString(id) }

// NewClientID makes an id that says what the client is, e.g. "erp-3f9a…".
func NewClientID(kind APIClientKind) string {
	id := uuid.New()
	return string(kind) + "-" + strings.ReplaceAll(id.String(), "-", "")[:20]
}

// NewAPIClient builds an enabled client from a validated input and what
// verifies its first credential (see APIClient.Key).
func NewAPIClient(id string, in APIClientInput, key []byte, now time.Time) APIClient {
	return APIClient{ID: id, Name: in.Name, Kind: in.Kind, OrganizationID: in.OrganizationID, Key: key, CreatedAt: now}
}

// SecretOverlap validates how long a rotated-out secret keeps working
// (field "overlap"): none given means the default, and zero ends it at once
// (a leaked key).
func SecretOverlap(given *time.Duration) (time.Duration, error) {
	if given == nil {
		return DefaultSecretOverlap, nil
	}
	d := *given
	var v violations
	switch {
	case d < 0:
		v.Add("overlap", "must not be negative")
	case d > MaxSecretOverlap:
		v.Add("overlap", "must be at most 30 days")
	}
	return d, v.Err()
}

// Rotate makes key the current key; the old one works until now+overlap.
// Keys retired before keep their own expiry, but none works past
// now+overlap either: a rotation retried after a lost answer (the same
// overlap, moments later) leaves the key the client holds its overlap,
// while a rotation with a short overlap (a leaked key) ends them all.
// Rotating to the current key (a retry of a rotation to a registered public
// key) changes nothing.
func (c *APIClient) Rotate(key []byte, overlap time.Duration, now time.Time) error {
	if c.Disabled {
		return ErrClientDisabled
	}
	if subtle.ConstantTimeCompare(c.Key, key) == 1 {
		return nil
	}
	until := now.Add(overlap)
	for i := range c.Retired {
		if c.Retired[i].ExpiresAt.After(until) {
			c.Retired[i].ExpiresAt = until
		}
	}
	c.Retired = slices.DeleteFunc(c.Retired, func(k RetiredKey) bool { return !now.Before(k.ExpiresAt) })
	if len(c.Retired) >= MaxRetiredKeys && overlap > ShortOverlap {
		return ErrTooManyRetiredKeys
	}
	c.Retired = append(c.Retired, RetiredKey{Key: c.Key, ExpiresAt: until})
	c.Key = key
	return nil
}

// LastRetiredExpiresAt is when the key the last rotation replaced stops
// working; zero when no rotation's overlap is running.
func (c APIClient) LastRetiredExpiresAt() time.Time {
	if len(c.Retired) == 0 {
		return time.Time{}
	}
	return c.Retired[len(c.Retired)-1].ExpiresAt
}

// Disable stops the client from authenticating.
func (c *APIClient) Disable() { c.Disabled = true }

// KeysAt returns the keys accepted at now: the current one, then the
// retired ones whose overlap lasts, newest first.
func (c APIClient) KeysAt(now time.Time) [][]byte {
	keys := [][]byte{c.Key}
	for _, k := range c.RetiredAt(now) {
		keys = append(keys, k.Key)
	}
	return keys
}

// RetiredAt returns the retired keys accepted at now, newest first.
func (c APIClient) RetiredAt(now time.Time) []RetiredKey {
	var out []RetiredKey
	for _, k := range slices.Backward(c.Retired) {
		if now.Before(k.ExpiresAt) {
			out = append(out, k)
		}
	}
	return out
}

// Accepts reports whether key, the hash of a presented secret, matches one
// of the keys accepted at now. Every candidate is compared in constant time.
func (c APIClient) Accepts(key []byte, now time.Time) bool {
	ok := 0
	for _, k := range c.KeysAt(now) {
		ok |= subtle.ConstantTimeCompare(k, key)
	}
	return ok == 1 && !c.Disabled
}
