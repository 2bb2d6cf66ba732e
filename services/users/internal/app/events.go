package app

// Subjects of the events this service publishes (stream USERS). The payloads
// are the messages of crossdock/users/v1/events.proto.
const (
	SubjectUserRegistered        = "users.user.registered"
	SubjectOrganizationApproved  = "users.organization.approved"
	SubjectMerchantTierChanged   = "users.merchant.tier_changed"
	SubjectAddressDefaultChanged = "users.address.default_changed"
)
