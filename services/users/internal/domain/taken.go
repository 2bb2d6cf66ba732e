package domain

import "github.com/crossdock/crossdock/pkg/apperr"

// Values that must be unique across accounts, clients and tiers. The
// database enforces the uniqueness (a check before the insert would race);
// the repository translates its unique violation into these errors, so that
// what a user sees is decided here, not by the storage.
var (
	ErrEmailTaken = apperr.AlreadyExists("an account with this e-mail address already exists").
			WithReason("EMAIL_TAKEN").
			WithViolations(apperr.FieldViolation{Field: "email", Description: "is already registered"})
	ErrClientIDTaken = apperr.AlreadyExists("an API client with this id already exists").
				WithReason("CLIENT_ID_TAKEN").
				WithViolations(apperr.FieldViolation{Field: "client_id", Description: "is already used"})
	ErrTierCodeTaken = apperr.AlreadyExists("a merchant tier with this code already exists").
				WithReason("TIER_CODE_TAKEN").
				WithViolations(apperr.FieldViolation{Field: "tier.code", Description: "is already used"})
	ErrTierRankTaken = apperr.AlreadyExists("a merchant tier with this rank already exists").
				WithReason("TIER_RANK_TAKEN").
				WithViolations(apperr.FieldViolation{Field: "tier.rank", Description: "is already used"})
)
