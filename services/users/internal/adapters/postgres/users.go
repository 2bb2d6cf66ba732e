package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

const userColumns = `id, email, display_name, password_hash, roles, organization_id, organization_role, created_at`

func scanUser(row pgx.Row) (domain.User, error) {
	var u domain.User
	var roles []string
	var org *uuid.UUID
	var orgRole *string
	if err := row.Scan(&u.ID, &u.Email, &u.DisplayName, &u.PasswordHash, &roles, &org, &orgRole, &u.CreatedAt); err != nil {
		return domain.User{}, err
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, domain.Role(r))
	}
	if org != nil {
		u.OrganizationID = *org
	}
	if orgRole != nil {
		u.OrganizationRole = domain.MemberRole(*orgRole)
	}
	return u, nil
}

func userArgs(u domain.User) []any {
	roles := make([]string, 0, len(u.Roles))
	for _, r := range u.Roles {
		roles = append(roles, string(r))
	}
	var org *uuid.UUID
	var orgRole *string
	if u.OrganizationID != uuid.Nil {
		org = &u.OrganizationID
		role := string(u.OrganizationRole)
		orgRole = &role
	}
	return []any{u.ID, u.Email, u.DisplayName, u.PasswordHash, roles, org, orgRole, u.CreatedAt}
}

// CreateUser inserts an account; a taken e-mail is domain.ErrEmailTaken.
func (r repo) CreateUser(ctx context.Context, u domain.User) error {
	_, err := r.q.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, userArgs(u)...)
	if pg.IsUniqueViolation(err, "users_email_key") {
		return domain.ErrEmailTaken.Wrap(err)
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// GetUser reads an account by id.
func (r repo) GetUser(ctx context.Context, id uuid.UUID) (domain.User, error) {
	u, err := scanUser(r.q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, pg.NoRows(err, apperr.NotFound("user", id.String()))
}

// GetUserByEmail reads an account by its normalised e-mail.
func (r repo) GetUserByEmail(ctx context.Context, email string) (domain.User, error) {
	u, err := scanUser(r.q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	return u, pg.NoRows(err, apperr.NotFound("user", email))
}

// UpdateUser writes every mutable field of an account.
func (r repo) UpdateUser(ctx context.Context, u domain.User) error {
	args := userArgs(u)
	tag, err := r.q.Exec(ctx, `UPDATE users SET email = $2, display_name = $3, password_hash = $4, roles = $5,
		organization_id = $6, organization_role = $7 WHERE id = $1`, args[:7]...)
	if pg.IsUniqueViolation(err, "users_email_key") {
		return domain.ErrEmailTaken.Wrap(err)
	}
	return pg.Affected(tag, err, apperr.NotFound("user", u.ID.String()))
}

// LockUser locks the account's row until the transaction ends.
func (r repo) LockUser(ctx context.Context, id uuid.UUID) error {
	var got uuid.UUID
	err := r.q.QueryRow(ctx, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, id).Scan(&got)
	return pg.NoRows(err, apperr.NotFound("user", id.String()))
}

// AnyAdmin reports whether at least one admin account exists.
func (r repo) AnyAdmin(ctx context.Context) (bool, error) {
	var exists bool
	err := r.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE 'admin' = ANY (roles))`).Scan(&exists)
	return exists, err
}
