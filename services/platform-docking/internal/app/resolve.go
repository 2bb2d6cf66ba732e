package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// LineResolutionInput is an operator's resolution of one settlement line.
type LineResolutionInput struct {
	PartnerID  uuid.UUID
	LineID     string
	Resolution domain.Resolution
	Note       string
}

// ResolveLine applies an operator's resolution to a settlement line docking
// could not match (admins). Accepting a mismatch records the decision and
// then credits the line as the partner stated it through the same path a
// matched line takes (creditLine), so a payout that waited for it is
// recorded by the next round; dismissing closes a missing, mismatched or
// unreadable line with no credit. The same resolution again answers the line as it is
// (an accepted line whose credit did not complete is credited again, under
// the same keys); the other one is FailedPrecondition. A line the partner
// does not have is NotFound.
//
// The answer is the line as stored: an accepted line's credit that fails
// (finance unreachable) leaves CreditedAt unset, and the partner's next
// settlement round credits it.
// ErrOrderAlreadySettled refuses to accept a settlement line for an order
// another line settled (matched or accepted): dismiss it instead.
var ErrOrderAlreadySettled = apperr.FailedPrecondition("another settlement line settled this order; crediting this one would pay it twice: dismiss it").
	WithReason("ORDER_ALREADY_SETTLED")

func (t *Trade) ResolveLine(ctx context.Context, c auth.Caller, in LineResolutionInput) (StoredLine, error) {
	if err := requireAdmin(c); err != nil {
		return StoredLine{}, err
	}
	if err := domain.ValidateResolution(in.LineID, in.Resolution, in.Note); err != nil {
		return StoredLine{}, err
	}
	p, err := t.partners.GetPartner(ctx, in.PartnerID)
	if err != nil {
		return StoredLine{}, err
	}
	current, err := t.store.GetLine(ctx, p.ID, in.LineID)
	if err != nil {
		return StoredLine{}, err
	}
	// The sub-orders of an imported order never change, so they are read
	// before the line is locked.
	var settled []domain.SettledSubOrder
	if in.Resolution == domain.ResolutionAccept && current.OrderID != nil {
		if settled, err = t.settledSubOrders(ctx, p.ID, current.PartnerOrderID); err != nil {
			return StoredLine{}, err
		}
	}
	if in.Resolution == domain.ResolutionAccept && current.State != domain.SettlementAccepted {
		// A bill the partner issued again for an order another line settled:
		// crediting it would pay the supplier the order twice.
		by, err := t.store.LineSettling(ctx, p.ID, current.PartnerOrderID, current.LineID)
		if err != nil {
			return StoredLine{}, err
		}
		if by != "" {
			return StoredLine{}, ErrOrderAlreadySettled.WithMetadata("settled_by", by)
		}
	}
	l, err := t.store.UpdateLine(ctx, p.ID, in.LineID, func(l *StoredLine) error {
		next, replay, err := domain.Resolve(l.State, in.Resolution)
		if err != nil || replay {
			return err
		}
		if next == domain.SettlementAccepted {
			if err := domain.CheckAcceptable(l.SettlementLine, settled); err != nil {
				return err
			}
		}
		l.Resolution = &domain.LineResolution{From: l.State, Note: in.Note, By: c.Subject, At: t.clock()}
		l.State = next
		return nil
	})
	if err != nil {
		return StoredLine{}, err
	}
	if l.State.Credited() && l.CreditedAt == nil {
		if err := t.creditLine(ctx, p.ID, l, settled); err != nil {
			t.log.Warn("an accepted settlement line is not credited yet; the next settlement round credits it",
				"partner", p.Code, "line_id", l.LineID, "error", err)
			return l, nil
		}
		return t.store.GetLine(ctx, p.ID, l.LineID)
	}
	return l, nil
}
