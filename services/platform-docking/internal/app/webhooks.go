package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// maxPartnerOrderID bounds a notified order id, as PartnerService
// documents it.
const maxPartnerOrderID = 128

// pullRequestBatch bounds the requested pulls one round runs per partner.
const pullRequestBatch = 50

// maxPullAttempts is how often a requested pull the partner refuses is
// tried before it is dropped; the periodic pull still reads the order.
const maxPullAttempts = 8

// ErrNoOrderPull is a partner notifying an order when docking does not
// pull that partner's orders: its protocol's connector cannot read them.
var ErrNoOrderPull = apperr.FailedPrecondition("docking does not pull this partner's orders").WithReason("ORDERS_NOT_PULLED")

// NotifyOrderChanged is a partner's webhook saying one of its orders
// changed. It only schedules a pull of that order through the partner's
// own API: nothing the notification says is taken as the order. At most
// one pull is pending per order, and an updatedAt no later than the version
// already pulled schedules nothing, so duplicate and out-of-order
// notifications are harmless; a zero updatedAt is unknown and schedules.
// It reports whether a pull is pending now, and nudges the jobs.
func (t *Trade) NotifyOrderChanged(ctx context.Context, c auth.Caller, orderID string, updatedAt time.Time) (bool, error) {
	p, err := callingPartner(ctx, t.partners, c)
	if err != nil {
		return false, err
	}
	if n := utf8.RuneCountInString(orderID); n == 0 || n > maxPartnerOrderID || strings.IndexByte(orderID, 0) >= 0 {
		return false, apperr.InvalidField("order_id", fmt.Sprintf("must be 1 to %d characters, none of them NUL", maxPartnerOrderID))
	}
	if t.connectors[p.Protocol].Orders == nil {
		return false, ErrNoOrderPull
	}
	if !updatedAt.IsZero() {
		prev, seen, err := t.store.GetPulledOrder(ctx, p.ID, orderID)
		if err != nil {
			return false, err
		}
		// Stored times have microseconds; a partner's may have more.
		if seen && !updatedAt.Truncate(time.Microsecond).After(prev.PartnerUpdatedAt) {
			return false, nil
		}
	}
	if err := t.store.RequestPull(ctx, p.ID, orderID, t.clock()); err != nil {
		return false, err
	}
	t.Nudge()
	return true, nil
}

// pullRequested runs a partner's due requested pulls: each order is read
// with GetOrder and taken as the periodic pull takes it. A request is done
// when the order is taken or the partner does not know it. A partner that
// cannot be reached or rate limits us defers the request with backoff (a
// rate limit's wait at least) and ends the batch: the error goes to the
// partner's record, which keeps a rate-limited partner quiet. A partner
// refusing the read defers it too, until maxPullAttempts.
func (t *Trade) pullRequested(ctx context.Context, p domain.Partner, conn OrderConnector) error {
	due, err := t.store.DuePullRequests(ctx, p.ID, t.clock(), pullRequestBatch)
	if err != nil {
		return err
	}
	var refused []error
	for _, r := range due {
		err := t.pullOne(ctx, p, conn, r.PartnerOrderID)
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			return err
		case apperr.IsKind(err, apperr.KindNotFound):
			t.log.Warn("a partner notified an order its API does not know; the request is dropped", "partner", p.Code,
				"partner_order_id", r.PartnerOrderID)
		case r.Attempts+1 >= maxPullAttempts && !retryable(err):
			t.log.Error("a requested pull the partner keeps refusing is dropped; the periodic pull still reads the order",
				"partner", p.Code, "partner_order_id", r.PartnerOrderID, "attempts", r.Attempts+1, "error", err)
		default:
			backoff := min(t.retryAfter(err)*time.Duration(1<<min(r.Attempts, 6)), time.Hour)
			if derr := t.store.DeferPullRequest(ctx, r, t.clock().Add(backoff), err.Error()); derr != nil {
				return errors.Join(err, derr)
			}
			err = fmt.Errorf("requested pull of partner order %s: %w", r.PartnerOrderID, err)
			if retryable(err) {
				return errors.Join(append(refused, err)...)
			}
			refused = append(refused, err)
			continue
		}
		if err := t.store.DonePullRequest(ctx, r); err != nil {
			return err
		}
	}
	return errors.Join(refused...)
}

// retryable is a failed call that may succeed later: the partner (or
// supply platform) cannot be reached, fails or asks us to slow down; the
// calls after this one would fail alike.
func retryable(err error) bool {
	_, limited := RetryAfter(err)
	return limited || apperr.IsKind(err, apperr.KindUnavailable) || errors.Is(err, context.DeadlineExceeded)
}
