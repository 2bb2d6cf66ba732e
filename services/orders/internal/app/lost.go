package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// ErrOperatorsOnly refuses an operator's command to anyone else.
var ErrOperatorsOnly = apperr.PermissionDenied("only operators (admins) declare a parcel lost").WithReason("ADMINS_ONLY")

// ErrNotShipped refuses to declare lost a sub-order that is not travelling.
var ErrNotShipped = apperr.FailedPrecondition("only a shipped sub-order not yet delivered can be declared lost").WithReason("NOT_SHIPPED")

// ErrParcelDelivered refuses to declare lost a parcel logistics says was
// delivered (its event not applied yet: it is now).
var ErrParcelDelivered = apperr.FailedPrecondition("logistics says the parcel was delivered; it is not lost").WithReason("ALREADY_DELIVERED")

// ErrPartnerParcel refuses to declare lost a partner channel's sub-order:
// its buyer paid the partner, who answers for the parcel there.
var ErrPartnerParcel = apperr.FailedPrecondition("a partner channel's parcel is the partner's to declare lost").WithReason("PARTNER_ORDER")

// DeclareParcelLost is an operator closing a shipped sub-order whose goods
// will not arrive: the carrier lost the parcel, or the supplier never
// handed it over. Nothing else moves such a sub-order (the delivery check
// asks logistics daily for ever, the buyer may not cancel what shipped),
// so its escrow would be held for good. It is cancelled ("parcel_lost:"
// and the operator's reason) and its buyer refunded what the escrow holds
// once the parcel's freight legs are paid, as for a parcel returned to its
// sender; a parcel of ours the carrier never picked up is cancelled and its
// stock released (TaskCancelLostParcel), one picked up took its stock with
// it. Logistics is asked first (endedAtLogistics). A delivery reported
// later changes nothing more. Declaring a sub-order already cancelled
// answers it as it is. Admins; a partner channel's sub-order is the
// partner's (ErrPartnerParcel).
func (s *Service) DeclareParcelLost(ctx context.Context, c auth.Caller, subID uuid.UUID, reason string) (domain.SubOrder, error) {
	reason, err := declaration(c, reason)
	if err != nil {
		return domain.SubOrder{}, err
	}
	o, sub, err := s.subOrder(ctx, subID)
	if err != nil {
		return domain.SubOrder{}, err
	}
	if err := s.endedAtLogistics(ctx, o, sub); err != nil {
		return domain.SubOrder{}, err
	}
	orderID := o.ID
	var before *domain.SubOrder // already cancelled: answered as it is
	err = s.store.InTx(ctx, func(r Repository) error {
		o, err := r.GetOrder(ctx, orderID, true)
		if err != nil {
			return err
		}
		sub := o.SubOrder(subID)
		switch {
		case sub == nil:
			return notFoundSubOrder(subID)
		case sub.Status == domain.Cancelled:
			before = sub
			return nil
		case o.External():
			return ErrPartnerParcel
		case sub.Status != domain.Shipped:
			return ErrNotShipped.WithMetadata("status", string(sub.Status))
		}
		ownParcel := !sub.ExternalParcel()
		return s.endSubOrder(ctx, r, o, subID, actor(c), "parcel_lost: "+reason, func(o domain.Order, sub domain.SubOrder, now time.Time) []Task {
			tasks := []Task{task(TaskRefund, sub.ID, o.ID, now)}
			if ownParcel {
				tasks = append(tasks, task(TaskCancelLostParcel, sub.ID, o.ID, now))
			}
			return tasks
		})
	})
	s.nudge()
	switch {
	case err != nil:
		return domain.SubOrder{}, err
	case before != nil:
		return *before, nil
	}
	_, out, err := s.subOrder(ctx, subID)
	return out, err
}

// declaration checks an operator's declaration of a lost parcel: admins
// only, and a reason for the change log (1 to 500 characters), returned
// trimmed.
func declaration(c auth.Caller, reason string) (string, error) {
	if !c.IsAdmin() {
		return "", ErrOperatorsOnly
	}
	var v apperr.Violations
	reason = apperr.CheckLongText(&v, "reason", reason, 1, 500)
	return reason, v.Err()
}

// endedAtLogistics applies how a shipped sub-order's parcel of ours ended,
// if logistics says it did and its event was not applied yet
// (parcelEndedAtLogistics).
func (s *Service) endedAtLogistics(ctx context.Context, o domain.Order, sub domain.SubOrder) error {
	if sub.Status != domain.Shipped || sub.ExternalParcel() || o.External() {
		return nil
	}
	return s.parcelEndedAtLogistics(ctx, sub.ID)
}

// parcelEndedAtLogistics applies how the parcel travelling under id (a
// sub-order's, or an exchange's replacement) ended, if logistics says it
// did and its event was not applied yet (the look-ups are a day apart):
// one delivered is recorded so and is not lost (ErrParcelDelivered), one
// returned to its sender is recorded as returned.
func (s *Service) parcelEndedAtLogistics(ctx context.Context, id uuid.UUID) error {
	p, err := s.Logistics.Parcel(ctx, id)
	if err != nil {
		return err
	}
	ended, err := s.applyParcelEnd(ctx, id, p)
	if err == nil && ended && p.Delivered() {
		return ErrParcelDelivered
	}
	return err
}

// cancelLostParcel cancels at its carrier the parcel declared lost of a
// sub-order or of an exchange's replacement (id, which its parcel and its
// stock hold are booked under), and releases its stock, when the carrier
// never picked it up: the goods are still with the supplier. One picked up
// took its stock with it (logistics committed it at pick-up): there is
// nothing to undo.
func (s *Service) cancelLostParcel(ctx context.Context, id uuid.UUID) error {
	err := s.Logistics.Cancel(ctx, id, "parcel declared lost")
	var e *apperr.Error
	if errors.As(err, &e) && e.Kind == apperr.KindFailedPrecondition && e.Reason == "ALREADY_PICKED_UP" {
		return nil
	}
	if err != nil {
		return err
	}
	return s.Inventory.Release(ctx, id, "parcel declared lost")
}

// ErrReplacementNotShipped refuses to declare lost a replacement that is
// not travelling.
var ErrReplacementNotShipped = apperr.FailedPrecondition("only an exchange whose replacement shipped and has not arrived can have it declared lost").
	WithReason("NOT_SHIPPED")

// DeclareReplacementLost is an operator closing an exchange whose
// replacement will not arrive: the carrier lost it, or the supplier never
// handed it over. Nothing else moves such an exchange (its daily look-up
// finds the parcel travelling for ever), and its buyer would have neither
// goods nor money. It becomes a return of its lines, as when the carrier
// brings a replacement back (replacementEnded): refunded now if the
// supplier has the original, once the original arrives if it is on its way,
// closed if the buyer kept it. A replacement the carrier never picked up is
// cancelled and its stock released (TaskCancelLostParcel); one picked up
// took its stock with it. Logistics is asked first: a replacement it says
// was delivered is recorded so and refused (ErrParcelDelivered), one back
// with its supplier recorded as come back. A delivery reported later
// changes nothing more. Declaring one whose replacement ended so before
// (come back, or declared lost) answers the request as it is. Admins.
func (s *Service) DeclareReplacementLost(ctx context.Context, c auth.Caller, id uuid.UUID, reason string) (domain.AfterSale, error) {
	reason, err := declaration(c, reason)
	if err != nil {
		return domain.AfterSale{}, err
	}
	a, err := s.afterSaleFor(ctx, c, id)
	if err != nil {
		return domain.AfterSale{}, err
	}
	if a.Kind == domain.Exchange && a.Status == domain.AfterSaleReplacementShipped {
		if err := s.parcelEndedAtLogistics(ctx, a.ID); err != nil {
			return domain.AfterSale{}, err
		}
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		a, _, err := lockAfterSale(ctx, r, id)
		switch {
		case err != nil:
			return err
		case a.Kind == domain.Return && a.ReplacementShipmentID != nil:
			return nil // its replacement ended before: answered as it is
		case a.Kind != domain.Exchange:
			return apperr.FailedPrecondition("only an exchange has a replacement").WithReason("NOT_EXCHANGE")
		case a.Status != domain.AfterSaleReplacementShipped:
			return ErrReplacementNotShipped.WithMetadata("status", string(a.Status))
		}
		return s.replacementEnded(ctx, r, &a, actor(c), "the replacement (waybill "+a.ReplacementWaybill+") was declared lost: "+reason,
			task(TaskCancelLostParcel, a.ID, a.OrderID, s.clock()))
	})
	s.nudge()
	if err != nil {
		return domain.AfterSale{}, err
	}
	return s.afterSaleFor(ctx, c, id)
}
