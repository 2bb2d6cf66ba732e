package domain

import "slices"

// Role is what an account may do on the platform. The values are the role
// claims carried in access tokens, so other services check the same strings.
type Role string

// The account roles. Buyer, supplier and merchant come from self sign-up (the
// latter two through an organization); admin, reviewer and translator are
// operator roles that only an admin grants.
const (
	RoleBuyer      Role = "buyer"
	RoleSupplier   Role = "supplier"
	RoleMerchant   Role = "merchant"
	RoleAdmin      Role = "admin"
	RoleReviewer   Role = "reviewer"
	RoleTranslator Role = "translator"
)

// OperatorRoles are the platform staff roles.
var OperatorRoles = []Role{RoleAdmin, RoleReviewer, RoleTranslator}

// IsOperatorRole reports whether r is a platform staff role.
func IsOperatorRole(r Role) bool { return slices.Contains(OperatorRoles, r) }

// MemberRole is an account's place in its organization.
type MemberRole string

// An organization has exactly one owner (who signed it up) and any number of
// staff accounts the owner adds.
const (
	MemberOwner MemberRole = "owner"
	MemberStaff MemberRole = "staff"
)
