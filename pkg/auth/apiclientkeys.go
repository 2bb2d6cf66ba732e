package auth

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
)

// maxCachedClients bounds the key cache of UsersKeyLookup; past it the cache
// is emptied, which costs lookups, never correctness.
const maxCachedClients = 10000

// UsersKeyLookup looks up API clients with users.GetApiClientKeys (opts must
// give the call a service token, or the connection must carry one) and caches
// them for ttl, so a busy partner costs one call per ttl rather than one per
// request. Keys past their expiry are dropped, and a disabled client stops
// working within ttl.
func UsersKeyLookup(client usersv1.UsersServiceClient, ttl time.Duration, opts ...grpc.CallOption) KeyLookup {
	c := &keyCache{client: client, ttl: ttl, opts: opts, entries: map[string]keyCacheEntry{}}
	return c.lookup
}

type keyCache struct {
	client usersv1.UsersServiceClient
	ttl    time.Duration
	opts   []grpc.CallOption

	mu      sync.Mutex
	entries map[string]keyCacheEntry
}

type keyCacheEntry struct {
	client  APIClient
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
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.client, nil
	}
	resp, err := c.client.GetApiClientKeys(ctx, &usersv1.GetApiClientKeysRequest{ClientId: clientID}, c.opts...)
	if err != nil {
		err = grpcerr.FromError(err)
		if apperr.KindOf(err) == apperr.KindNotFound {
			return APIClient{}, err
		}
		// Anything else (users down, this service's own token refused) is
		// not the partner's fault and must not read as a bad signature.
		return APIClient{}, apperr.Unavailable("API client keys unavailable").Wrap(fmt.Errorf("auth: get API client keys: %w", err))
	}
	info := resp.GetClient()
	if info.GetDisabled() {
		return APIClient{}, apperr.Unauthenticated("API client disabled")
	}
	role, ok := clientRoles[info.GetKind()]
	if !ok {
		return APIClient{}, apperr.Unauthenticated("not a partner or ERP client")
	}
	e = keyCacheEntry{
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
		return APIClient{}, apperr.Unauthenticated("API client has no valid keys")
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedClients {
		clear(c.entries)
	}
	c.entries[clientID] = e
	c.mu.Unlock()
	return e.client, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
