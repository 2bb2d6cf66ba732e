package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// Page sizes of ListOrganizations.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// GetOrganization returns an organization to its members, to operators and
// to service accounts; to anyone else it does not exist.
func (s *Service) GetOrganization(ctx context.Context, caller auth.Caller, orgID uuid.UUID) (domain.Organization, error) {
	if !caller.IsOperator() && !caller.IsService() {
		me, err := s.me(ctx, caller)
		if apperr.IsKind(err, apperr.KindPermissionDenied) || err == nil && me.OrganizationID != orgID {
			return domain.Organization{}, apperr.NotFound("organization", orgID.String())
		}
		if err != nil {
			return domain.Organization{}, err
		}
	}
	return s.store.GetOrganization(ctx, orgID)
}

// OrganizationPage is one page of ListOrganizations.
type OrganizationPage struct {
	Organizations []domain.Organization
	// NextPageToken fetches the next page; empty on the last.
	NextPageToken string
}

// ListOrganizations lists organizations oldest first, optionally in one
// status. Operators only.
func (s *Service) ListOrganizations(ctx context.Context, caller auth.Caller, status domain.OrganizationStatus, pageSize int, pageToken string) (OrganizationPage, error) {
	if !caller.IsOperator() {
		return OrganizationPage{}, ErrOperatorsOnly
	}
	size, err := paging.Limits{Default: DefaultPageSize, Max: MaxPageSize}.Size(pageSize)
	if err != nil {
		return OrganizationPage{}, err
	}
	q := OrganizationQuery{Status: status, Limit: size}
	if pageToken != "" {
		var c organizationCursor
		if err := paging.DecodeFor(pageToken, status, &c); err != nil {
			return OrganizationPage{}, err
		}
		q.After = &OrganizationCursor{CreatedAt: c.T, ID: c.I}
	}
	limit := q.Limit
	q.Limit++ // one more tells whether a next page exists
	orgs, err := s.store.ListOrganizations(ctx, q)
	if err != nil {
		return OrganizationPage{}, err
	}
	page := OrganizationPage{Organizations: orgs}
	if len(orgs) > limit {
		page.Organizations = orgs[:limit]
		last := page.Organizations[limit-1]
		page.NextPageToken = paging.EncodeFor(status, organizationCursor{T: last.CreatedAt, I: last.ID})
	}
	return page, nil
}

// organizationCursor is the page token of the organization list: the
// creation time and id of the last organization served. The token is bound
// to the status filter (paging.EncodeFor): another status's list would
// start at its place and skip the rows before it.
type organizationCursor struct {
	T time.Time `json:"t"`
	I uuid.UUID `json:"i"`
}

func (c *organizationCursor) Valid() bool { return c.I != uuid.Nil }

// ApproveOrganization lets a pending organization trade. Admins only.
func (s *Service) ApproveOrganization(ctx context.Context, caller auth.Caller, orgID uuid.UUID) (domain.Organization, error) {
	admin, err := requireAdmin(caller)
	if err != nil {
		return domain.Organization{}, err
	}
	return s.store.UpdateOrganization(ctx, orgID, func(org *domain.Organization) ([]outbox.Message, error) {
		now := s.clock()
		if err := org.Approve(admin, now); err != nil {
			return nil, err
		}
		return outbox.Of(SubjectOrganizationApproved, &usersv1.OrganizationApproved{
			OrganizationId: org.ID.String(), Kind: string(org.Kind), ApprovedBy: admin.String(), OccurredAt: timestamppb.New(now),
		}), nil
	})
}

// RejectOrganization refuses a pending organization with a reason. Admins only.
func (s *Service) RejectOrganization(ctx context.Context, caller auth.Caller, orgID uuid.UUID, reason string) (domain.Organization, error) {
	admin, err := requireAdmin(caller)
	if err != nil {
		return domain.Organization{}, err
	}
	return s.store.UpdateOrganization(ctx, orgID, func(org *domain.Organization) ([]outbox.Message, error) {
		return nil, org.Reject(admin, reason, s.clock())
	})
}
