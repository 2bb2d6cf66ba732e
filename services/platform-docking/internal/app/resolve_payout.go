package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// PayoutResolutionInput is an operator's resolution of one payout.
type PayoutResolutionInput struct {
	PartnerID uuid.UUID
	PayoutID  string
	Note      string
	// Dismiss dismisses an unreadable payout instead of recording one read
	// whole: the decision names what the operator saw.
	Dismiss bool
}

// ResolvePayout records a waiting payout that covers more than docking
// credited (admins): a line the operator dismissed was still paid out by
// the partner, so the payout would otherwise wait for credits that never
// come. The decision is saved first, then finance records the payout, the
// virtual account giving what it holds and the rest booked to the
// partner's unallocated receipts. The same call again answers the payout
// as it is; a payout recorded without a resolution is
// domain.ErrPayoutRecorded.
//
// An unreadable payout can only be dismissed (Dismiss): nothing is
// recorded, for docking cannot tell what was paid (the operator settles it
// with the partner). The decision names what the operator saw, so one
// about a payout docking read whole since is refused
// (domain.ErrPayoutReadable) rather than taken as a recording.
//
// The answer is the payout as stored: a recording that fails (finance
// unreachable) leaves RecordedAt unset, and the partner's next settlement
// round records it, under the same key.
func (t *Trade) ResolvePayout(ctx context.Context, c auth.Caller, in PayoutResolutionInput) (StoredPayout, error) {
	if err := requireAdmin(c); err != nil {
		return StoredPayout{}, err
	}
	if err := domain.ValidatePayoutResolution(in.PayoutID, in.Note); err != nil {
		return StoredPayout{}, err
	}
	p, err := t.partners.GetPartner(ctx, in.PartnerID)
	if err != nil {
		return StoredPayout{}, err
	}
	po, err := t.store.ResolvePayout(ctx, p.ID, in.PayoutID, in.Dismiss, PayoutResolution{Note: in.Note, By: c.Subject, At: t.clock()})
	if err != nil || po.RecordedAt != nil || in.Dismiss {
		return po, err
	}
	if err := t.recordPayout(ctx, p, po); err != nil {
		t.log.Warn("a resolved partner payout is not recorded yet; the next settlement round records it",
			"partner", p.Code, "payout_id", po.PayoutID, "error", err)
		return po, nil
	}
	return t.store.GetPayout(ctx, p.ID, po.PayoutID)
}
