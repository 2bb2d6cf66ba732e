package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// Store is the users database. Reads may run on it directly; every command
// runs in one transaction through InTx, and its events commit with it.
type Store interface {
	Repository
	FailureLog
	// InTx runs fn in a transaction and commits it when fn returns nil.
	InTx(ctx context.Context, fn func(Repository) error) error
}

// Repository is everything a command may do in its transaction: the ports
// of every aggregate, so one transaction can span several (sign-up creates
// an account and its organization). Methods that return one object give an
// apperr NotFound error when it does not exist; writes that would break a
// uniqueness rule give the domain's AlreadyExists error naming the request
// field. Code that needs one aggregate takes its port, not Repository.
type Repository interface {
	Events
	Accounts
	Organizations
	MerchantTiers
	Addresses
	APIClients
	Sessions
	SigningKeys
}

// Events writes facts to the outbox in the command's transaction.
type Events interface {
	// Emit adds an event to the outbox; it fails outside a transaction.
	Emit(ctx context.Context, subject string, event proto.Message) error
}

// Accounts stores user accounts.
type Accounts interface {
	CreateUser(ctx context.Context, u domain.User) error
	GetUser(ctx context.Context, id uuid.UUID) (domain.User, error)
	GetUserByEmail(ctx context.Context, email string) (domain.User, error)
	UpdateUser(ctx context.Context, u domain.User) error
	// LockUser takes the user's row lock until the transaction ends: the
	// user's address book changes one transaction at a time.
	LockUser(ctx context.Context, id uuid.UUID) error
	AnyAdmin(ctx context.Context) (bool, error)
}

// Organizations stores suppliers' and merchants' organizations.
type Organizations interface {
	CreateOrganization(ctx context.Context, o domain.Organization) error
	GetOrganization(ctx context.Context, id uuid.UUID) (domain.Organization, error)
	// UpdateOrganization locks the organization, applies change, saves it
	// and writes the events change returns, in one transaction (the
	// caller's inside InTx); an error from change changes nothing.
	UpdateOrganization(ctx context.Context, id uuid.UUID, change func(*domain.Organization) ([]outbox.Message, error)) (domain.Organization, error)
	ListOrganizations(ctx context.Context, q OrganizationQuery) ([]domain.Organization, error)
	// FindAccounts returns which of the user and organization ids exist,
	// the organizations with their kind.
	FindAccounts(ctx context.Context, users, orgs []uuid.UUID) (FoundAccounts, error)
}

// MerchantTiers stores the merchant tiers operators define.
type MerchantTiers interface {
	CreateMerchantTier(ctx context.Context, t domain.MerchantTier) error
	GetMerchantTier(ctx context.Context, code string) (domain.MerchantTier, error)
	ListMerchantTiers(ctx context.Context) ([]domain.MerchantTier, error)
}

// Addresses stores users' address books.
type Addresses interface {
	// ListAddresses returns the user's addresses, the default first, then
	// oldest first.
	ListAddresses(ctx context.Context, userID uuid.UUID) ([]domain.UserAddress, error)
	// GetAddress returns one of the user's addresses; another user's address
	// is NotFound, exactly like a missing one.
	GetAddress(ctx context.Context, userID, id uuid.UUID) (domain.UserAddress, error)
	CreateAddress(ctx context.Context, a domain.UserAddress) error
	// ClaimAddressCreationKey is ClaimClientCreationKey for a user's
	// CreateAddress key and the address the call saves.
	ClaimAddressCreationKey(ctx context.Context, userID uuid.UUID, key, fingerprint string, addressID uuid.UUID, at time.Time) (claimed bool, stored AddressCreationKey, err error)
	UpdateAddress(ctx context.Context, a domain.UserAddress) error
	DeleteAddress(ctx context.Context, userID, id uuid.UUID) error
	// SetDefaultAddress unsets the user's current default, if any, and makes
	// id the default.
	SetDefaultAddress(ctx context.Context, userID, id uuid.UUID, at time.Time) error
}

// APIClients stores machine credentials: partners, ERPs, services.
type APIClients interface {
	CreateAPIClient(ctx context.Context, c domain.APIClient) error
	GetAPIClient(ctx context.Context, id string) (domain.APIClient, error)
	// UpdateAPIClient is UpdateOrganization for an API client.
	UpdateAPIClient(ctx context.Context, id string, change func(*domain.APIClient) ([]outbox.Message, error)) (domain.APIClient, error)
	// LockOrganizationClients locks an organization (its clients are
	// created one at a time) and counts its API clients.
	LockOrganizationClients(ctx context.Context, id uuid.UUID) (domain.Organization, int, error)
	// ListAPIClients returns every client when organizationID is nil, else
	// that organization's clients; oldest first.
	ListAPIClients(ctx context.Context, organizationID *uuid.UUID) ([]domain.APIClient, error)
	// ClaimClientCreationKey records a caller's CreateApiClient key with the
	// request's fingerprint and the id of the client the call creates in
	// the same transaction. claimed is false when the key was recorded
	// before; then its fingerprint and client id are returned. A concurrent
	// claim of the same key waits for the first to commit or roll back.
	ClaimClientCreationKey(ctx context.Context, subject, key, fingerprint, clientID string, at time.Time) (claimed bool, stored ClientCreationKey, err error)
}

// AddressCreationKey is what the first CreateAddress under a key recorded.
type AddressCreationKey struct {
	Fingerprint string
	AddressID   uuid.UUID
}

// ClientCreationKey is what the first CreateApiClient under a key recorded.
type ClientCreationKey struct {
	Fingerprint string
	ClientID    string
}

// Sessions stores refresh tokens, one rotating family per sign-in.
type Sessions interface {
	CreateRefreshToken(ctx context.Context, t domain.RefreshToken) error
	// GetRefreshTokenForUpdate reads a token by its hash and locks its row.
	GetRefreshTokenForUpdate(ctx context.Context, hash []byte) (domain.RefreshToken, error)
	// MarkRefreshTokenUsed records that client (its address) exchanged the
	// token at at.
	MarkRefreshTokenUsed(ctx context.Context, hash []byte, at time.Time, client string) error
	// SupersedeLiveRefreshTokens marks a family's live tokens superseded
	// (skipping any whose row another exchange holds).
	SupersedeLiveRefreshTokens(ctx context.Context, familyID uuid.UUID, at time.Time) error
	// RevokeRefreshFamily revokes a family's tokens not yet revoked and
	// reports whether there was one.
	RevokeRefreshFamily(ctx context.Context, familyID uuid.UUID, at time.Time) (bool, error)
	// RefreshFamilyRevoked reports whether any token of a family is
	// revoked: the session was ended.
	RefreshFamilyRevoked(ctx context.Context, familyID uuid.UUID) (bool, error)
	// RevokeUserRefreshFamilies revokes every family of the account with a
	// token not revoked yet, and returns those families.
	RevokeUserRefreshFamilies(ctx context.Context, userID uuid.UUID, at time.Time) ([]uuid.UUID, error)
	// DeleteRefreshTokensExpiredBefore removes tokens past their lifetime.
	DeleteRefreshTokensExpiredBefore(ctx context.Context, t time.Time) (int64, error)
}

// SigningKeys stores the keys access tokens are signed with.
type SigningKeys interface {
	// SigningKeys returns every stored key, the latest to activate first.
	SigningKeys(ctx context.Context) ([]domain.SigningKey, error)
	// CreateSigningKey stores a key, sealed under the current key-encryption
	// key.
	CreateSigningKey(ctx context.Context, k domain.SigningKey) error
	// ResealSigningKeys seals again, under the current key-encryption key,
	// every key sealed under an older one (or stored in clear), and returns
	// how many it changed. It runs after LockSigningKeys.
	ResealSigningKeys(ctx context.Context) (int, error)
	// ActivateSigningKey moves a key's activation to at.
	ActivateSigningKey(ctx context.Context, id string, at time.Time) error
	// DeleteSigningKeys removes the given keys.
	DeleteSigningKeys(ctx context.Context, ids []string) error
	// LockSigningKeys serialises key rotation across replicas until the
	// transaction ends.
	LockSigningKeys(ctx context.Context) error
}

// OrganizationQuery selects one page of organizations, oldest first.
type OrganizationQuery struct {
	// Status filters by status; empty for all.
	Status domain.OrganizationStatus
	// After is the last organization of the previous page; nil for the first.
	After *OrganizationCursor
	Limit int
}

// OrganizationCursor is a position in the organization list.
type OrganizationCursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}
