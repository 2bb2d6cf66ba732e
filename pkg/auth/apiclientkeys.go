package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
)

// maxCachedClients bounds the key cache of UsersKeyLookup; past it the cache
// is emptied, which costs lookups, never correctness.
const maxCachedClients = 10000

// UsersKeyLookup looks up API clients' signing keys with users.GetApiClientKeys
// (the connection must carry a service token) and caches them for ttl, so a
// busy partner costs one call per ttl rather than one per request. Keys past
// their expiry are dropped, and a disabled client stops working within ttl.
func UsersKeyLookup(client usersv1.UsersServiceClient, ttl time.Duration) KeyLookup {
	c := &keyCache{client: client, ttl: ttl, entries: map[string]keyCacheEntry{}}
	return c.lookup
}

type keyCache struct {
	client usersv1.UsersServiceClient
	ttl    time.Duration

	mu      sync.Mutex
	entries map[string]keyCacheEntry
}

type keyCacheEntry struct {
	keys    [][]byte
	expires time.Time
}

func (c *keyCache) lookup(ctx context.Context, clientID string) ([][]byte, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[clientID]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.keys, nil
	}
	resp, err := c.client.GetApiClientKeys(ctx, &usersv1.GetApiClientKeysRequest{ClientId: clientID})
	if err != nil {
		err = apperr.FromError(err)
		if apperr.KindOf(err) == apperr.KindNotFound {
			return nil, err
		}
		// Anything else (users down, this service's own token refused) is
		// not the partner's fault and must not read as a bad signature.
		return nil, apperr.Unavailable("API client keys unavailable").Wrap(fmt.Errorf("auth: get API client keys: %w", err))
	}
	if resp.GetClient().GetDisabled() {
		return nil, apperr.Unauthenticated("API client disabled")
	}
	e = keyCacheEntry{expires: now.Add(c.ttl)}
	for _, k := range resp.GetKeys() {
		if exp := k.GetExpiresAt(); exp != nil {
			if !exp.AsTime().After(now) {
				continue
			}
			e.expires = minTime(e.expires, exp.AsTime())
		}
		e.keys = append(e.keys, k.GetKey())
	}
	if len(e.keys) == 0 {
		return nil, apperr.Unauthenticated("API client has no valid keys")
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedClients {
		clear(c.entries)
	}
	c.entries[clientID] = e
	c.mu.Unlock()
	return e.keys, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
