package app_test

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// A payment finance takes for an order cancelled while it was being taken
// goes back to the buyer, once, and its payer is told the order is
// cancelled rather than answered as if it were paid: when finance answers
// the call (whose refund does not wait for finance's event, which may also
// come), and when neither the answer nor the event ever arrives (the
// cancel looks at the escrow once the payment had time to settle).
func TestAPaymentLandingOnACancelledOrderIsRefunded(t *testing.T) {
	for _, tc := range []struct {
		name string
		pay  func(t *testing.T, s *saga, ann auth.Caller, o domain.Order)
	}{
		{"the call is answered, the event comes too", func(t *testing.T, s *saga, ann auth.Caller, o domain.Order) {
			s.w.beforeAnswer = func(domain.Order) {
				s.w.beforeAnswer = nil
				if _, err := s.svc.CancelOrder(ctx, ann, o.ID, "changed my mind"); err != nil {
					t.Errorf("cancel: %v", err)
				}
			}
			_, err := s.svc.PayOrder(ctx, ann, o.ID)
			wantKind(t, err, apperr.KindFailedPrecondition, "ORDER_CANCELLED")
			if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.PaymentCaptured(ctx, r, o.ID) }); err != nil {
				t.Fatal(err)
			}
		}},
		{"the answer is lost, no event comes", func(t *testing.T, s *saga, ann auth.Caller, o domain.Order) {
			s.w.failPay = true
			_, err := s.svc.PayOrder(ctx, ann, o.ID)
			wantKind(t, err, apperr.KindUnavailable, "")
			s.w.failPay = false
			if _, err := s.svc.CancelOrder(ctx, ann, o.ID, "changed my mind"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann := s.buyer(100_000)
			o := s.checkout(t, ann, line(s.phone, 1))
			tc.pay(t, s, ann, o)
			s.run(t)
			s.at = s.at.Add(time.Minute) // the payment's settle time
			s.run(t)
			if s.w.wallets[ann.Subject] != 100_000 {
				t.Errorf("wallet %d after a payment on a cancelled order, want 100000 back", s.w.wallets[ann.Subject])
			}
			if e := s.w.escrows[o.SubOrders[0].ID]; e == nil || e.balance != 0 || e.refunded != o.Total {
				t.Errorf("escrow %+v, want %d taken and refunded once", e, o.Total)
			}
			if got, _ := s.store.GetOrder(ctx, o.ID, false); got.Status != domain.Cancelled || s.w.stock[s.phone.ID] != 10 {
				t.Errorf("order %s, stock %d; want cancelled with its stock back", got.Status, s.w.stock[s.phone.ID])
			}
		})
	}
}

// A payment finance commits late (stalled past its payer's call) on an
// order cancelled meanwhile, whose captured event never comes, is refunded
// all the same: the refund step looks again until finance can no longer
// take a payment (the quotes' lock ended). Before, its one look came first,
// found no escrow, and the money stayed in the cancelled order's escrow.
func TestAPaymentCommittedLateOnACancelledOrderIsRefunded(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1))
	s.w.payDown = true // finance stalls: the call gives up, nothing taken yet
	_, err := s.svc.PayOrder(ctx, ann, o.ID)
	wantKind(t, err, apperr.KindUnavailable, "")
	s.w.payDown = false
	if _, err := s.svc.CancelOrder(ctx, ann, o.ID, "changed my mind"); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	s.at = s.at.Add(time.Minute) // the payment's settle time: the refund step looks
	s.run(t)
	if err := s.w.payCheckout(o); err != nil { // finance commits the stalled payment now
		t.Fatal(err)
	}
	for range 8 {
		s.at = s.at.Add(5 * time.Minute)
		s.run(t)
	}
	if s.w.wallets[ann.Subject] != 100_000 {
		t.Errorf("wallet %d after a payment landed late on a cancelled order, want 100000 back", s.w.wallets[ann.Subject])
	}
	if e := s.w.escrows[o.SubOrders[0].ID]; e == nil || e.balance != 0 || e.refunded != o.Total {
		t.Errorf("escrow %+v, want %d taken and refunded once", e, o.Total)
	}
}

// The deadline reads the order without its lock: a payment that starts
// between that read and its cancel is given its settle time, and finance
// is asked again, rather than the order being cancelled under it.
func TestTheDeadlineWaitsForAPaymentStartedAfterItLooked(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.scarf, 1))
	s.at = o.PaymentDueAt
	ran := make(chan error, 1)
	// The payment's start holds the order's lock while the deadline's step
	// reads it (no payment yet) and waits for the lock to cancel it.
	err := s.store.InTx(ctx, func(r app.Repository) error {
		cur, err := r.GetOrder(ctx, o.ID, true)
		if err != nil {
			return err
		}
		started := s.at.Add(-time.Second)
		cur.PaymentStartedAt, cur.Version = &started, cur.Version+1
		if err := r.SaveOrderRow(ctx, cur); err != nil {
			return err
		}
		go func() {
			_, err := s.svc.RunTasks(ctx, 10, slog.New(slog.DiscardHandler))
			ran <- err
		}()
		testkit.AwaitLockWaiter(t, s.pool)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.Status != domain.PendingPayment {
		t.Fatalf("order %s (%s) with a payment started under the deadline, want pending", got.Status, got.CancelReason)
	}
	if err := s.w.PayCheckout(ctx, o); err != nil { // the payment lands
		t.Fatal(err)
	}
	s.at = s.at.Add(time.Minute)
	s.run(t)
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.Status != domain.Paid {
		t.Fatalf("order %s after the started payment landed, want paid", got.Status)
	}
	if s.w.wallets[ann.Subject] != 100_000-o.Total {
		t.Errorf("wallet %d, want %d: paid once, kept", s.w.wallets[ann.Subject], 100_000-o.Total)
	}
}

// Two checkouts with one id racing, the second for another currency: the
// first places the order, and the second, finding it placed when it comes
// to insert, is CHECKOUT_ID_REUSED, not answered with the first's order as
// its own purchase.
func TestACheckoutRacingAnotherWithItsIDForOtherTermsIsRefused(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	release := make(chan struct{})
	euro := s.checkoutHeldAtItsStock(ann, app.CheckoutInput{CheckoutID: "race", Currency: "EUR", Lines: []domain.CartLine{line(s.scarf, 1)}}, release)
	dollars, _, err := s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: "race", Currency: "USD", Lines: []domain.CartLine{line(s.scarf, 1)}})
	if err != nil || dollars.Currency != "USD" {
		t.Fatalf("the USD checkout: %+v, %v", dollars, err)
	}
	close(release)
	got := <-euro
	wantKind(t, got.err, apperr.KindAlreadyExists, idempotency.ReasonKeyReused)
}

// Two checkouts of the cart with one id racing while the buyer changes the
// cart: the second places the order, and the first, finding it placed,
// answers that order as a retry of a cart checkout does, not
// CHECKOUT_ID_REUSED because the cart it read first held other lines.
func TestACartCheckoutRacingItsRetryAcrossACartChangeIsAnsweredTheOrder(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	if _, err := s.svc.SetCartLine(ctx, ann, s.scarf.ID, 1); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	// The first attempt reads one scarf and waits at its stock hold.
	firstTry := s.checkoutHeldAtItsStock(ann, app.CheckoutInput{CheckoutID: "cart", Currency: "USD"}, release)
	if _, err := s.svc.SetCartLine(ctx, ann, s.scarf.ID, 2); err != nil {
		t.Fatal(err)
	}
	placed, _, err := s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: "cart", Currency: "USD"})
	if err != nil {
		t.Fatalf("the retry: %v", err)
	}
	close(release)
	got := <-firstTry
	if got.err != nil || got.o.ID != placed.ID {
		t.Fatalf("the first attempt: %+v, %v; want the placed order %s", got.o.ID, got.err, placed.ID)
	}
}

// checkoutAnswer is a checkout's outcome, from another goroutine.
type checkoutAnswer struct {
	o   domain.Order
	err error
}

// checkoutHeldAtItsStock starts the checkout in and returns once it waits
// at its stock hold, where it stays until release closes; its answer
// comes on the channel returned. Only this checkout's hold waits.
func (s *saga) checkoutHeldAtItsStock(c auth.Caller, in app.CheckoutInput, release <-chan struct{}) <-chan checkoutAnswer {
	held := make(chan struct{})
	var first atomic.Bool
	s.w.holding = func() {
		if first.CompareAndSwap(false, true) {
			close(held)
			<-release
		}
	}
	answer := make(chan checkoutAnswer, 1)
	go func() {
		o, _, err := s.svc.Checkout(ctx, c, in)
		answer <- checkoutAnswer{o, err}
	}()
	<-held
	return answer
}

// A payment in the deadline's last second leaves its checkout hold minutes
// to become the fulfilment hold: an inventory outage of twelve minutes then
// only delays it, and the paid sub-order is still the buyer's once
// inventory is back. Before, the checkout hold lapsed two minutes after the
// deadline, and such an outage cancelled the paid sub-order as stock_lost.
func TestALastSecondPaymentOutlastsAShortInventoryOutage(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1))
	sub := o.SubOrders[0]
	s.at = o.PaymentDueAt.Add(-time.Second)
	s.w.inventoryDown = true
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
		t.Fatal(err)
	}
	for range 12 {
		s.at = s.at.Add(time.Minute)
		s.run(t)
	}
	s.w.inventoryDown = false
	for range 6 { // the step's next retry, backed off
		s.at = s.at.Add(time.Minute)
		s.run(t)
	}
	if st := s.subOrder(t, o.ID, sub.ID).Status; st != domain.Paid {
		t.Fatalf("the sub-order paid in the last second is %s after a twelve-minute inventory outage, want paid", st)
	}
	if r := s.w.reserved[sub.ID]; r == nil || r.status != "active" || !r.expires.After(s.at.Add(time.Hour)) {
		t.Fatalf("its stock hold %+v, want the fulfilment hold", r)
	}
}

// A payment finance took whose answer was lost, retried just past the
// deadline, answers ALREADY_PAID and the order is paid: finance is asked
// before the deadline refuses it. Before, the retry read
// PAYMENT_DEADLINE_PASSED for a payment that went through.
func TestAPaymentTakenRetriedPastTheDeadlineIsAlreadyPaid(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1))
	s.w.failPay = true
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); apperr.KindOf(err) != apperr.KindUnavailable {
		t.Fatalf("the payment whose answer was lost: %v", err)
	}
	s.w.failPay = false
	charged := s.w.wallets[ann.Subject]
	s.at = s.at.Add(timeout)
	_, err := s.svc.PayOrder(ctx, ann, o.ID)
	wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_PAID")
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.Status != domain.Paid {
		t.Errorf("the order is %s, want paid", got.Status)
	}
	if s.w.wallets[ann.Subject] != charged || s.w.payCalls[o.ID] != 1 {
		t.Errorf("wallet %d (was %d), %d payment calls; want it charged once", s.w.wallets[ann.Subject], charged, s.w.payCalls[o.ID])
	}
}
