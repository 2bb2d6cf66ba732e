package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// verifierLeeway covers the clock skew verifiers tolerate on expiry: a key
// stays published that much longer than the tokens it signed.
const verifierLeeway = time.Minute

// Key lifecycle. At any time one key signs and the next one is already
// published with a future activation time, so every verifier has fetched it
// long before it signs (verifiers refetch keys at least every ten minutes):
// neither a scheduled rotation nor an admin's RotateSigningKey, which
// promotes the next key at once, makes any service reject a fresh token. A
// retired key stays published until the tokens it signed have expired, and is
// deleted at the next rotation after that.

// keyPlan is what the stored keys mean at one instant.
type keyPlan struct {
	signer    *domain.SigningKey  // the newest active key; nil when none
	next      *domain.SigningKey  // the key that signs after the signer; nil when none
	published []domain.SigningKey // what the JWKS lists
	expired   []string            // keys no unexpired token can need
}

// planKeys sorts keys (latest activation first) into next, signer, published
// and expired at now.
func planKeys(keys []domain.SigningKey, now time.Time, maxTTL time.Duration) keyPlan {
	var p keyPlan
	var successorActivated time.Time // activation of the next newer key
	for i := range keys {
		k := keys[i]
		switch {
		case k.ActivatesAt.After(now):
			if p.next == nil || k.ActivatesAt.Before(p.next.ActivatesAt) {
				p.next = &keys[i]
			}
			p.published = append(p.published, k)
		case p.signer == nil:
			p.signer = &keys[i]
			p.published = append(p.published, k)
		case now.Before(successorActivated.Add(maxTTL + verifierLeeway)):
			p.published = append(p.published, k)
		default:
			p.expired = append(p.expired, k.ID)
		}
		successorActivated = k.ActivatesAt
	}
	return p
}

// signer returns the key that signs now, creating the first key and the next
// one when either is missing (at first start, and after the next key
// activated on schedule).
func (s *Service) signer(ctx context.Context) (auth.SigningKey, error) {
	keys, err := s.store.SigningKeys(ctx)
	if err != nil {
		return auth.SigningKey{}, err
	}
	p := planKeys(keys, s.clock(), s.cfg.AccessTokenTTL)
	if p.signer == nil || p.next == nil {
		k, err := s.changeKeys(ctx, false)
		return auth.SigningKey{ID: k.ID, Private: k.Private}, err
	}
	return auth.SigningKey{ID: p.signer.ID, Private: p.signer.Private}, nil
}

// changeKeys makes sure a signer and a next key exist; with promote, the next
// key signs from now on. It deletes the keys no token can need any more and
// returns the signer. Replicas are serialised by a lock, and the later one
// finds the work done.
func (s *Service) changeKeys(ctx context.Context, promote bool) (domain.SigningKey, error) {
	var signer domain.SigningKey
	err := s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockSigningKeys(ctx); err != nil {
			return err
		}
		keys, err := r.SigningKeys(ctx)
		if err != nil {
			return err
		}
		now := s.clock()
		p := planKeys(keys, now, s.cfg.AccessTokenTTL)
		switch {
		case p.signer == nil || promote && p.next == nil:
			k, err := s.newKey(ctx, r, now, now)
			if err != nil {
				return err
			}
			p.signer, p.next = &k, nil
		case promote:
			if err := r.ActivateSigningKey(ctx, p.next.ID, now); err != nil {
				return err
			}
			k := *p.next
			k.ActivatesAt = now
			p.signer, p.next = &k, nil
		}
		signer = *p.signer
		if p.next == nil {
			// Normally the next key signs one rotation period after the
			// signer did; a signer already past that (the service was down)
			// is replaced once the next key has been published for a while.
			at := p.signer.ActivatesAt.Add(s.cfg.SigningKeyRotation)
			if earliest := now.Add(s.cfg.KeyPublishLead); at.Before(earliest) {
				at = earliest
			}
			if _, err := s.newKey(ctx, r, now, at); err != nil {
				return err
			}
		}
		return r.DeleteSigningKeys(ctx, p.expired)
	})
	return signer, err
}

func (s *Service) newKey(ctx context.Context, r SigningKeys, now, activates time.Time) (domain.SigningKey, error) {
	k, err := auth.NewSigningKey()
	if err != nil {
		return domain.SigningKey{}, err
	}
	key := domain.SigningKey{ID: k.ID, Private: k.Private, CreatedAt: now, ActivatesAt: activates}
	return key, r.CreateSigningKey(ctx, key)
}

// RotateSigningKey makes the published next key the signer at once and
// publishes a new next key. Admins only. Tokens signed by the previous key
// keep verifying until they expire.
func (s *Service) RotateSigningKey(ctx context.Context, caller auth.Caller) (string, error) {
	if _, err := requireAdmin(caller); err != nil {
		return "", err
	}
	k, err := s.changeKeys(ctx, true)
	return k.ID, err
}

// JWKS returns the public keys that verify access tokens: the next key, the
// signer, and retired keys whose tokens may still be unexpired. It is also
// the key source of the service's own verifier.
func (s *Service) JWKS(ctx context.Context) (auth.JWKS, error) {
	if _, err := s.signer(ctx); err != nil {
		return auth.JWKS{}, err
	}
	keys, err := s.store.SigningKeys(ctx)
	if err != nil {
		return auth.JWKS{}, err
	}
	p := planKeys(keys, s.clock(), s.cfg.AccessTokenTTL)
	set := auth.JWKS{Keys: make([]auth.JWK, 0, len(p.published))}
	for _, k := range p.published {
		set.Keys = append(set.Keys, auth.PublicJWK(k.ID, k.Public()))
	}
	return set, nil
}
