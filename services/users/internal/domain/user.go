package domain

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// User is an account. Its e-mail is unique and normalised; its password is
// kept only as an argon2id hash.
type User struct {
	ID           uuid.UUID
	Email        string
	DisplayName  string
	PasswordHash string
	Roles        []Role
	// OrganizationID is uuid.Nil for accounts outside any organization.
	OrganizationID   uuid.UUID
	OrganizationRole MemberRole
	CreatedAt        time.Time
}

// AccountInput is what a person types to create an account.
type AccountInput struct {
	Email       string
	Password    string
	DisplayName string
}

// ValidAccount is an AccountInput that passed every check, normalised.
type ValidAccount struct {
	Email       string
	Password    string
	DisplayName string
}

// ValidateAccount checks an e-mail, a password and a display name together,
// reporting every bad field at once.
func ValidateAccount(in AccountInput) (ValidAccount, error) {
	email, emailErr := NormalizeEmail(in.Email)
	var pwErr error
	if emailErr == nil {
		pwErr = CheckPassword(in.Password, email)
	} else {
		pwErr = CheckPassword(in.Password, "")
	}
	name, nameErr := ValidateDisplayName(in.DisplayName)
	if err := apperr.JoinInvalid(emailErr, pwErr, nameErr); err != nil {
		return ValidAccount{}, err
	}
	return ValidAccount{Email: email, Password: in.Password, DisplayName: name}, nil
}

// ValidateDisplayName trims a display name and checks it is 1 to 100
// characters without control characters.
func ValidateDisplayName(raw string) (string, error) {
	var v violations
	name := apperr.CheckText(&v, "display_name", raw, 1, 100)
	return name, v.Err()
}

// NewUser builds an account from a validated input and its password hash.
func NewUser(acct ValidAccount, passwordHash string, roles []Role, now time.Time) User {
	return User{
		ID:           uuid.Must(uuid.NewV7()),
		Email:        acct.Email,
		DisplayName:  acct.DisplayName,
		PasswordHash: passwordHash,
		Roles:        slices.Clone(roles),
		CreatedAt:    now,
	}
}

// JoinOrganization makes the account a member of org with the given role and
// gives it the role the organization's kind implies.
func (u *User) JoinOrganization(org Organization, role MemberRole) {
	u.OrganizationID = org.ID
	u.OrganizationRole = role
	if r := org.Kind.Role(); !u.HasRole(r) {
		u.Roles = append(u.Roles, r)
	}
}

// LeaveOrganization takes the account out of org: no organization, no
// member role, and not the role the organization's kind gave it.
func (u *User) LeaveOrganization(org Organization) {
	u.OrganizationID, u.OrganizationRole = uuid.Nil, ""
	u.Roles = slices.DeleteFunc(u.Roles, func(r Role) bool { return r == org.Kind.Role() })
}

// HasRole reports whether the account holds r.
func (u User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }
