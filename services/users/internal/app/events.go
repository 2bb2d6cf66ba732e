package app

import "github.com/crossdock/crossdock/pkg/auth"

// Subjects of the events this service publishes (stream USERS). The payloads
// are the messages of crossdock/users/v1/events.proto.
const (
	SubjectUserRegistered        = "users.user.registered"
	SubjectOrganizationApproved  = "users.organization.approved"
	SubjectMerchantTierChanged   = "users.merchant.tier_changed"
	SubjectAddressDefaultChanged = "users.address.default_changed"
	// SubjectSessionRevoked is the subject every verifier follows to refuse
	// a revoked session's access tokens (pkg/auth's Revocations).
	SubjectSessionRevoked = auth.SessionRevokedSubject
)
