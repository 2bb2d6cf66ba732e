package auth

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"google.golang.org/grpc"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
)

// maxCachedClients bounds each of UsersKeyLookup's caches (clients and
// refusals); past it that cache is emptied, which costs lookups, never
// correctness. Refusals are kept apart so that a flood of made-up client
// ids empties only theirs, not the real clients'.
const maxCachedClients = 10000

// keyLookupTimeout bounds one GetApiClientKeys call, which runs for every
// request waiting on the same client, not under any one caller's deadline.
const keyLookupTimeout = 10 * time.Second

// UsersKeyLookup looks up API clients with users.GetApiClientKeys (opts must
// give the call a service token, or the connection must carry one) and caches
// them for ttl, so a busy partner costs one call per ttl rather than one per
// request. Keys past their expiry are dropped, and a disabled client stops
// working within ttl. A refusal (a client unknown, disabled, of no partner
// or ERP kind, or without a valid key) is remembered for ttl too, so a
// misconfigured integration retrying in a loop costs one call per ttl;
// requests arriving together for one client not cached share one call. An
// outage of users is not remembered.
func UsersKeyLookup(client usersv1.UsersServiceClient, ttl time.Duration, opts ...grpc.CallOption) KeyLookup {
	c := &keyCache{client: client, ttl: ttl, opts: opts, entries: map[string]keyCacheEntry{}, refused: map[string]keyCacheEntry{}}
	return c.lookup
}

type keyCache struct {
	client usersv1.UsersServiceClient
	ttl    time.Duration
	opts   []grpc.CallOption
	flight singleflight.Group

	mu      sync.Mutex
	entries map[string]keyCacheEntry // clients found, with their keys
	refused map[string]keyCacheEntry // refusals, with their error
}

// keyCacheEntry is a client found (err nil) or refused, until expires.
type keyCacheEntry struct {
	client  APIClient
	err     error
	expires time.Time
}

// clientRoles are the roles each kind of API client acts with.
var clientRoles = map[usersv1.ApiClientKind]string{
	usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER: RolePartner,
	usersv1.ApiClientKind_API_CLIENT_KIND_ERP:     RoleERP,
}

func (c *keyCache) lookup(ctx context.Context, clientID string) (APIClient, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[clientID]
	if !ok {
		e, ok = c.refused[clientID]
	}
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.client, e.err
	}
	answer := c.flight.DoChan(clientID, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keyLookupTimeout)
		defer cancel()
		return c.fetch(ctx, clientID)
	})
	select {
	case r := <-answer:
		if r.Err != nil {
			return APIClient{}, r.Err
		}
		e := r.Val.(keyCacheEntry)
		return e.client, e.err
	case <-ctx.Done():
		return APIClient{}, ctx.Err()
	}
}

// fetch asks users for clientID and caches the answer, a refusal included;
// its error is an outage, not cached.
func (c *keyCache) fetch(ctx context.Context, clientID string) (keyCacheEntry, error) {
	now := time.Now()
	e, err := c.ask(ctx, clientID, now)
	if err != nil {
		return e, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cache := c.entries
	if e.err != nil {
		cache = c.refused
		delete(c.entries, clientID)
	} else {
		delete(c.refused, clientID)
	}
	if len(cache) >= maxCachedClients {
		clear(cache)
	}
	cache[clientID] = e
	return e, nil
}

// ask calls GetApiClientKeys: a client with its keys or a refusal in the
// entry, or an error when users could not answer.
func (c *keyCache) ask(ctx context.Context, clientID string, now time.Time) (keyCacheEntry, error) {
	refuse := func(err error) (keyCacheEntry, error) {
		return keyCacheEntry{err: err, expires: now.Add(c.ttl)}, nil
	}
	resp, err := c.client.GetApiClientKeys(ctx, &usersv1.GetApiClientKeysRequest{ClientId: clientID}, c.opts...)
	if err != nil {
		err = grpcerr.FromError(err)
		if apperr.KindOf(err) == apperr.KindNotFound {
			return refuse(err)
		}
		// Anything else (users down, this service's own token refused) is
		// not the partner's fault and must not read as a bad signature.
		return keyCacheEntry{}, apperr.Unavailable("API client keys unavailable").Wrap(fmt.Errorf("auth: get API client keys: %w", err))
	}
	info := resp.GetClient()
	if info.GetDisabled() {
		return refuse(apperr.Unauthenticated("API client disabled"))
	}
	role, ok := clientRoles[info.GetKind()]
	if !ok {
		return refuse(apperr.Unauthenticated("not a partner or ERP client"))
	}
	e := keyCacheEntry{
		client:  APIClient{Roles: []string{role}, OrganizationID: info.GetOrganizationId()},
		expires: now.Add(c.ttl),
	}
	for _, k := range resp.GetKeys() {
		pub := k.GetPublicKey()
		if len(pub) != ed25519.PublicKeySize {
			continue
		}
		if exp := k.GetExpiresAt(); exp != nil {
			if !exp.AsTime().After(now) {
				continue
			}
			e.expires = minTime(e.expires, exp.AsTime())
		}
		e.client.Keys = append(e.client.Keys, ed25519.PublicKey(pub))
	}
	if len(e.client.Keys) == 0 {
		return refuse(apperr.Unauthenticated("API client has no valid keys"))
	}
	return e, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
