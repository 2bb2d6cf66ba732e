package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// Token errors. They are deliberately uniform: a client learns that its
// credentials were refused, not why.
var (
	ErrBadCredentials       = apperr.Unauthenticated("invalid e-mail or password").WithReason("INVALID_CREDENTIALS")
	ErrBadRefreshToken      = apperr.Unauthenticated("invalid or expired refresh token").WithReason("INVALID_REFRESH_TOKEN")
	ErrRefreshTokenReused   = apperr.Unauthenticated("refresh token already used; every session of this login was ended").WithReason("REFRESH_TOKEN_REUSED")
	ErrBadClientCredentials = apperr.Unauthenticated("invalid client credentials").WithReason("INVALID_CLIENT_CREDENTIALS")
)

// TokenPair is an access token and the refresh token that renews it.
type TokenPair struct {
	AccessToken      string
	ExpiresIn        time.Duration
	RefreshToken     string
	RefreshExpiresAt time.Time
}

// refreshTokenLength is the length of an encoded refresh token: 32 bytes of
// unpadded base64url.
const refreshTokenLength = 43

// hashRefreshToken returns the stored form of a refresh token, or false when
// the string cannot be one of ours.
func hashRefreshToken(token string) ([]byte, bool) {
	if len(token) != refreshTokenLength {
		return nil, false
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(token); err != nil {
		return nil, false
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:], true
}

// newRefreshToken makes the next token of a family and its stored record.
func (s *Service) newRefreshToken(userID, family uuid.UUID, now time.Time) (string, domain.RefreshToken) {
	token := randomToken()
	hash, _ := hashRefreshToken(token)
	return token, domain.RefreshToken{
		Hash: hash, FamilyID: family, UserID: userID, IssuedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenTTL),
	}
}

// userCaller builds an account's token claims. The supplier and merchant
// roles are granted only once the organization is approved: until then the
// account can sign in and see its pending organization, but not trade.
func userCaller(ctx context.Context, r Organizations, u domain.User) (auth.Caller, error) {
	c := auth.Caller{Subject: u.ID.String(), Kind: auth.KindUser, Roles: []string{}}
	approved := false
	if u.OrganizationID != uuid.Nil {
		org, err := r.GetOrganization(ctx, u.OrganizationID)
		if err != nil {
			return auth.Caller{}, err
		}
		approved = org.Status == domain.StatusApproved
		c.OrganizationID, c.OrganizationRole = u.OrganizationID.String(), string(u.OrganizationRole)
	}
	for _, role := range u.Roles {
		if (role == domain.RoleSupplier || role == domain.RoleMerchant) && !approved {
			continue
		}
		c.Roles = append(c.Roles, string(role))
	}
	return c, nil
}

// issuePair signs an access token for u and stores the next refresh token of
// family, in r's transaction.
func (s *Service) issuePair(ctx context.Context, r interface {
	Organizations
	Sessions
}, key auth.SigningKey, u domain.User, family uuid.UUID, now time.Time) (TokenPair, error) {
	caller, err := userCaller(ctx, r, u)
	if err != nil {
		return TokenPair{}, err
	}
	// The family is the login session: its id goes in the token ("sid") so
	// the token dies with the session.
	caller.SessionID = family.String()
	access, err := auth.Sign(key, caller, s.cfg.AccessTokenTTL, now)
	if err != nil {
		return TokenPair{}, err
	}
	refresh, record := s.newRefreshToken(u.ID, family, now)
	if err := r.CreateRefreshToken(ctx, record); err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, ExpiresIn: s.cfg.AccessTokenTTL, RefreshToken: refresh, RefreshExpiresAt: record.ExpiresAt}, nil
}
