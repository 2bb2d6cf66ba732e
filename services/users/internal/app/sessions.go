package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// Login checks an e-mail and password and starts a new refresh-token family.
// An unknown e-mail costs one argon2id hash like a wrong password does, so
// response times do not reveal which addresses have accounts.
func (s *Service) Login(ctx context.Context, email, password string) (TokenPair, error) {
	client, now := clientFrom(ctx), s.clock()
	normalized, err := domain.NormalizeEmail(email)
	wellFormed := err == nil
	if !wellFormed {
		// Throttled like any account, by what was typed, so a malformed
		// e-mail is no cheaper to try.
		normalized = strings.ToLower(strings.TrimSpace(email))
	}
	release, err := s.logins.check(ctx, normalized, client, now)
	if err != nil {
		return TokenPair{}, err
	}
	defer release()
	u, ok, err := s.checkPassword(ctx, normalized, password, wellFormed)
	if err != nil {
		return TokenPair{}, err
	}
	if !ok {
		if err := s.logins.failed(ctx, normalized, client, now); err != nil {
			return TokenPair{}, err
		}
		return TokenPair{}, ErrBadCredentials
	}
	if err := s.logins.succeeded(ctx, normalized, client, now); err != nil {
		return TokenPair{}, err
	}
	var rehash string
	if s.cfg.Password.NeedsRehash(u.PasswordHash) {
		// The upgrade waits for a login with a hash slot free: this one's
		// password checked, it is not refused for want of one.
		if rehash, err = s.hashPassword(ctx, password); errors.Is(err, ErrPasswordChecksBusy) {
			rehash = ""
		} else if err != nil {
			return TokenPair{}, err
		}
	}
	key, err := s.signer(ctx)
	if err != nil {
		return TokenPair{}, err
	}
	var pair TokenPair
	err = s.store.InTx(ctx, func(r Repository) error {
		// The account as it is now, under its lock: the password was
		// checked on a copy read before the hash, and a membership removed
		// meanwhile (which revokes the sessions committed by then) must
		// not come back in this session's claims, nor in the rehash's
		// write of the account.
		if err := r.LockUser(ctx, u.ID); err != nil {
			return err
		}
		now, err := r.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		if now.PasswordHash != u.PasswordHash {
			// Changed meanwhile: by another login's rehash (the same
			// password, hashed anew) or by a new password. Checked again
			// against what is stored now.
			ok, err := s.verifyPassword(ctx, password, now.PasswordHash)
			if err != nil {
				return err
			}
			if !ok {
				return ErrBadCredentials
			}
			if !s.cfg.Password.NeedsRehash(now.PasswordHash) {
				rehash = ""
			}
		}
		if rehash != "" {
			now.PasswordHash = rehash
			if err := r.UpdateUser(ctx, now); err != nil {
				return err
			}
		}
		pair, err = s.issuePair(ctx, r, key, now, uuid.Must(uuid.NewV7()), s.clock())
		return err
	})
	return pair, err
}

// Refresh exchanges a refresh token for a new pair of the same family, in one
// transaction holding the token's row lock. A token presented a second time
// (or after its family was revoked) revokes the whole family: either the
// client or a thief holds a copy, and neither may keep going. Presented
// again within RefreshReuseGrace of its exchange by the client (address)
// that exchanged it, it is exchanged again (two tabs of one browser
// refreshing at once), into a sibling of the pair its first exchange
// gave; whichever of the siblings is exchanged first supersedes the
// others. From another client it is a reuse however soon.
func (s *Service) Refresh(ctx context.Context, token string) (TokenPair, error) {
	hash, ok := hashRefreshToken(token)
	if !ok {
		return TokenPair{}, ErrBadRefreshToken
	}
	key, err := s.signer(ctx)
	if err != nil {
		return TokenPair{}, err
	}
	var pair TokenPair
	reused, ended := false, false
	client := clientFrom(ctx).origin()
	err = s.store.InTx(ctx, func(r Repository) error {
		reused, ended = false, false
		now := s.clock()
		t, err := r.GetRefreshTokenForUpdate(ctx, hash)
		if apperr.IsKind(err, apperr.KindNotFound) {
			return ErrBadRefreshToken
		}
		if err != nil {
			return err
		}
		if t.Spent() && !t.InReuseGrace(now, s.cfg.RefreshReuseGrace, client) {
			reused = true
			return revokeSession(ctx, r, t, revokedReused, now) // committed, then refused
		}
		if t.Expired(now) {
			return ErrBadRefreshToken
		}
		// A token issued by an exchange that raced the session's end (a
		// logout, a reuse detected, the account leaving its organization)
		// escaped that revocation, which did not see it yet: its session
		// is over all the same.
		if ended, err = r.RefreshFamilyRevoked(ctx, t.FamilyID); err != nil || ended {
			if err != nil {
				return err
			}
			_, err := r.RevokeRefreshFamily(ctx, t.FamilyID, now) // committed, then refused
			return err
		}
		if t.UsedAt.IsZero() {
			// The session goes on from this token: a sibling an exchange
			// within the grace issued (another tab's, or a copy's) is
			// superseded, so presenting it later is a reuse. Exchanged
			// again within the grace, a token keeps its first exchange's
			// time (the grace does not grow with each use) and supersedes
			// nothing: the pair its first exchange gave is in use.
			if err := r.MarkRefreshTokenUsed(ctx, t.Hash, now, client); err != nil {
				return err
			}
			if err := r.SupersedeLiveRefreshTokens(ctx, t.FamilyID, now); err != nil {
				return err
			}
		}
		u, err := r.GetUser(ctx, t.UserID)
		if err != nil {
			return err
		}
		pair, err = s.issuePair(ctx, r, key, u, t.FamilyID, now)
		return err
	})
	switch {
	case err != nil:
		return TokenPair{}, err
	case reused:
		return TokenPair{}, ErrRefreshTokenReused
	case ended:
		return TokenPair{}, ErrBadRefreshToken
	}
	return pair, nil
}

// Logout revokes the family of the caller's refresh token. Like OAuth token
// revocation (RFC 7009) it succeeds for a token that is unknown, already
// revoked or not the caller's, revoking nothing and revealing nothing.
func (s *Service) Logout(ctx context.Context, caller auth.Caller, token string) error {
	// Signed in, only the caller's own tokens; not signed in (the access
	// token expired), whoever holds the refresh token may end its session,
	// as whoever holds it may refresh it.
	var id uuid.UUID
	if caller.Kind != "" {
		var err error
		if id, err = userID(caller); err != nil {
			return err
		}
	}
	hash, ok := hashRefreshToken(token)
	if !ok {
		return nil
	}
	return s.store.InTx(ctx, func(r Repository) error {
		t, err := r.GetRefreshTokenForUpdate(ctx, hash)
		if apperr.IsKind(err, apperr.KindNotFound) {
			return nil
		}
		if err != nil || (id != uuid.Nil && t.UserID != id) {
			return err
		}
		return revokeSession(ctx, r, t, revokedLogout, s.clock())
	})
}

// Why a session was revoked, as SessionRevoked.reason says it.
const (
	revokedLogout  = "logout"
	revokedReused  = "refresh_token_reused"
	revokedRemoved = "removed_from_organization"
)

// revokeSession revokes the refresh-token family of t, which is a login
// session, and publishes SessionRevoked in the same transaction, so every
// verifier refuses the session's access tokens at once rather than when they
// expire.
func revokeSession(ctx context.Context, r Repository, t domain.RefreshToken, reason string, now time.Time) error {
	revoked, err := r.RevokeRefreshFamily(ctx, t.FamilyID, now)
	if err != nil || !revoked {
		// A session ended before (an old token presented again after a
		// logout, say) is not announced again.
		return err
	}
	return emitSessionRevoked(ctx, r, t.FamilyID, t.UserID, reason, now)
}

// emitSessionRevoked announces one revoked session to every verifier.
func emitSessionRevoked(ctx context.Context, r Repository, familyID, userID uuid.UUID, reason string, now time.Time) error {
	return r.Emit(ctx, SubjectSessionRevoked, &usersv1.SessionRevoked{
		SessionId: familyID.String(), UserId: userID.String(), Reason: reason, OccurredAt: timestamppb.New(now),
	})
}

// revokeUserSessions revokes every session of an account still open, each
// announced as revokeSession announces one.
func revokeUserSessions(ctx context.Context, r Repository, userID uuid.UUID, reason string, now time.Time) error {
	families, err := r.RevokeUserRefreshFamilies(ctx, userID, now)
	if err != nil {
		return err
	}
	for _, f := range families {
		if err := emitSessionRevoked(ctx, r, f, userID, reason, now); err != nil {
			return err
		}
	}
	return nil
}

// checkPassword verifies password for the account with e-mail email; an
// unknown or malformed e-mail takes as long as a wrong password and reports
// false.
func (s *Service) checkPassword(ctx context.Context, email, password string, wellFormed bool) (domain.User, bool, error) {
	if !wellFormed {
		if _, err := s.verifyPassword(ctx, password, s.dummyHash); err != nil {
			return domain.User{}, false, err
		}
		return domain.User{}, false, nil
	}
	u, err := s.store.GetUserByEmail(ctx, email)
	if apperr.IsKind(err, apperr.KindNotFound) {
		if _, err := s.verifyPassword(ctx, password, s.dummyHash); err != nil {
			return domain.User{}, false, err
		}
		return domain.User{}, false, nil
	}
	if err != nil {
		return domain.User{}, false, err
	}
	ok, err := s.verifyPassword(ctx, password, u.PasswordHash)
	if err != nil {
		return domain.User{}, false, err
	}
	return u, ok, nil
}
