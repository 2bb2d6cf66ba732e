package app

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// CheckoutInput is a buyer's checkout as it arrives.
type CheckoutInput struct {
	CheckoutID string
	// Lines to buy; none takes the cart.
	Lines     []domain.CartLine
	Currency  string
	Address   *domain.Address
	Suppliers []domain.SupplierAddress
	// CouponID is a coupon the buyer (or the merchant) holds, redeemed by
	// this order.
	CouponID string
}

// Checkout turns the caller's cart (or the lines given) into a pending
// order: resolved, split, stock reserved per sub-order until the payment
// deadline, freight estimated per physical sub-order, the rates locked and
// the total converted to the buyer's currency. A retry with the same
// checkout id answers the same order (replayed); the reservations, quotes
// and estimates of an attempt that failed half-way are reused or expire.
//
// A member of a merchant buys for the merchant: at its tier's cost prices,
// paid from its deposit at once; a deposit that cannot pay is refused with
// the shortfall and the order cancelled, its stock given back before the
// answer; that checkout id retried is CHECKOUT_RELEASED.
func (s *Service) Checkout(ctx context.Context, c auth.Caller, in CheckoutInput) (domain.Order, bool, error) {
	channel, holder := domain.OwnStore, domain.UserHolder(c.Subject)
	merchant, isMerchant := c.MerchantOrg()
	switch {
	case isMerchant:
		channel, holder = domain.MerchantChannel, domain.Holder{Kind: domain.HolderOrganization, ID: merchant}
	case c.Kind != auth.KindUser || !c.HasRole(auth.RoleBuyer):
		return domain.Order{}, false, ErrBuyersOnly
	}
	var v apperr.Violations
	domain.CheckCheckoutID(&v, "checkout_id", in.CheckoutID)
	if !money.ValidCurrency(in.Currency) {
		v.Add("currency", "must be an ISO 4217 code such as USD")
	}
	checkShape(&v, in.Address, in.Lines, domain.CheckDestination)
	if _, err := uuid.Parse(in.CouponID); in.CouponID != "" && err != nil {
		v.Add("coupon_id", "is not a coupon id")
	}
	if err := v.Err(); err != nil {
		return domain.Order{}, false, err
	}
	id := domain.OrderID(channel, c.Subject, in.CheckoutID)
	if o, found, err := s.existing(ctx, id); found || err != nil {
		if err == nil && !o.SameCheckout(in.Lines, in.Currency, in.CouponID) {
			return domain.Order{}, false, ErrCheckoutIDReused.WithMetadata("checkout_id", in.CheckoutID)
		}
		if err == nil && isMerchant {
			o, err = s.payFromDeposit(ctx, c, o)
		}
		return o, found, err
	}
	// asked is what the caller sent: a checkout of the cart names no
	// lines, and whatever the cart holds by now, its retry is the same.
	asked, fromCart := in.Lines, len(in.Lines) == 0
	if fromCart {
		cart, err := s.store.GetCart(ctx, c.Subject)
		if err != nil {
			return domain.Order{}, false, err
		}
		in.Lines = cart.Lines
	}
	// The buyer's default address is read beside the SKUs (a checkout of
	// virtual goods only then reads it for nothing, and ignores it).
	def := in.Address
	var defErr error
	var drafts []domain.SubOrderDraft
	err := concurrently(2, func(i int) error {
		if i == 0 {
			var err error
			drafts, err = s.resolve(ctx, in.Lines, merchant)
			return err
		}
		if def == nil {
			def, defErr = s.Users.DefaultAddress(ctx, c.Subject)
		}
		return nil
	})
	if err != nil {
		return domain.Order{}, false, err
	}
	if defErr != nil && slices.ContainsFunc(drafts, func(d domain.SubOrderDraft) bool { return d.Type == domain.Physical }) {
		return domain.Order{}, false, defErr
	}
	addresses, err := domain.AssignAddresses(drafts, def, in.Suppliers, "supplier_addresses")
	if err != nil {
		return domain.Order{}, false, err
	}
	now := s.clock()
	o := domain.Order{
		ID: id, BuyerID: c.Subject, CheckoutID: in.CheckoutID, Channel: channel, MerchantOrgID: merchant, Status: domain.PendingPayment,
		Currency: in.Currency, Quotes: map[string]string{}, PaymentDueAt: now.Add(s.cfg.PaymentTimeout), PlacedAt: now, UpdatedAt: now,
	}
	for i, d := range drafts {
		o.SubOrders = append(o.SubOrders, newSubOrder(o, i, d, addresses[i], now))
	}
	var redeem func(r Repository) error
	if in.CouponID != "" {
		if redeem, err = s.applyCoupon(ctx, &o, drafts, in.CouponID, holder); err != nil {
			return domain.Order{}, false, err
		}
	}
	// Stock is held past the deadline for as long as the deadline may wait
	// for a payment in its last second to settle, as long again and
	// checkoutHoldGrace more for the payment's hold to extend it (the
	// deadline's own step releases an unpaid order's).
	// The holds and the pricing are independent and run at once; a refusal
	// of either gives back what the checkout holds, stock's refusal first.
	holds, checkoutID := holdsOf(o.SubOrders, s.cfg.PaymentTimeout+2*s.cfg.PaymentSettle+checkoutHoldGrace), o.CheckoutID
	var held error
	priced := concurrently(2, func(i int) error {
		if i == 0 {
			held = s.reserve(ctx, checkoutID, holds)
			return nil
		}
		return s.price(ctx, &o, drafts)
	})
	if err := cmp.Or(held, priced); err != nil {
		s.abandon(ctx, o, err)
		return domain.Order{}, false, err
	}
	inserted, err := s.place(ctx, o, fromCart, redeem)
	if err != nil {
		s.abandon(ctx, o, err)
		return domain.Order{}, false, err
	}
	if !inserted {
		// A concurrent checkout with this id placed it first: it answers
		// this one only if it asked for the same.
		if o, err = s.store.GetOrder(ctx, id, false); err != nil {
			return o, true, err
		}
		if !o.SameCheckout(asked, in.Currency, in.CouponID) {
			return domain.Order{}, false, ErrCheckoutIDReused.WithMetadata("checkout_id", in.CheckoutID)
		}
	}
	if isMerchant {
		o, err = s.payFromDeposit(ctx, c, o)
	}
	return o, !inserted, err
}

// applyCoupon prices the order's discount from the coupon the holder
// holds (checked before anything is reserved) and returns the redemption
// to run in the order's own transaction, which fails for a coupon another
// order redeemed meanwhile.
func (s *Service) applyCoupon(ctx context.Context, o *domain.Order, drafts []domain.SubOrderDraft, couponID string, holder domain.Holder) (func(Repository) error, error) {
	campaign, err := s.CouponCampaign(ctx, couponID, holder, o.ID)
	if err != nil {
		return nil, err
	}
	discounts, err := domain.CouponDiscounts(campaign, o.Channel, drafts, s.clock())
	if err != nil {
		return nil, err
	}
	for i, d := range discounts {
		if d.Amount > 0 {
			sub := &o.SubOrders[i]
			sub.Discount, sub.CouponID, sub.DiscountFundedBy = d.Amount, couponID, campaign.FundedBy
			parts, err := domain.LineDiscounts(campaign, drafts[i], d.Amount)
			if err != nil {
				return nil, err
			}
			for j := range sub.Lines {
				sub.Lines[j].Discount = parts[j]
			}
		}
	}
	return func(r Repository) error {
		_, err := s.RedeemCoupon(ctx, r, couponID, holder, o.ID)
		return err
	}, nil
}

// payFromDeposit pays a merchant's pending order from its deposit. A
// deposit that cannot pay cancels the order and gives its stock back
// before answering with finance's refusal (and the shortfall).
//
// Only that refusal cancels, and only an order no other payment can have
// paid: finance holds no escrow for it, and, locked, it is still pending
// with nothing written since this call's payment started (a concurrent
// retry of the checkout may be paying it). Every other refusal comes back
// as it is: ALREADY_PAID means a concurrent retry paid it, which answers
// this retry as a retry finding it paid does; PAYMENT_DEADLINE_PASSED is
// the deadline's to decide, after asking finance (an earlier attempt may
// have taken the deposit and lost the answer).
func (s *Service) payFromDeposit(ctx context.Context, c auth.Caller, o domain.Order) (domain.Order, error) {
	if o.Status == domain.Cancelled && o.CancelReason == reasonDepositShort {
		// A retry after the deposit was topped up: the refused checkout
		// bought nothing and gave its stock back; answering its cancelled
		// order with success would read as a purchase.
		return domain.Order{}, ErrCheckoutReleased.WithMetadata("checkout_id", o.CheckoutID)
	}
	if o.Status != domain.PendingPayment {
		return o, nil
	}
	paid, started, err := s.pay(ctx, c, o.ID)
	switch {
	case err == nil:
		return paid, nil
	case errors.Is(err, ErrAlreadyPaid):
		return s.store.GetOrder(ctx, o.ID, false)
	case !fundsShort(err):
		return domain.Order{}, err
	}
	// Another attempt's payment may have landed after finance refused this one.
	if paid, took, err := s.paidAtFinance(ctx, o); took || err != nil {
		return paid, err
	}
	cancelled, cerr := s.cancelIf(ctx, o.ID, actor(c), reasonDepositShort, func(cur domain.Order) (bool, error) {
		return cur.Status == domain.PendingPayment && cur.Version == started, nil
	})
	if cerr != nil {
		return domain.Order{}, cerr
	}
	if cancelled {
		s.releaseAll(ctx, o)
	}
	return domain.Order{}, err
}

// ErrCheckoutIDReused refuses a checkout id already used for another
// basket, currency or coupon: answering that order would tell the client
// its new purchase was made.
var ErrCheckoutIDReused = apperr.AlreadyExists("this checkout id was used for another checkout; use a new one").WithReason(idempotency.ReasonKeyReused)

// reasonDepositShort is why a merchant's checkout its deposit could not
// pay was cancelled.
const reasonDepositShort = "deposit_short"

// errFundsShort matches finance's refusal of a payment the payer's account
// (a wallet, a merchant's deposit) cannot make: nothing moved.
var errFundsShort = apperr.FailedPrecondition("insufficient funds").WithReason("INSUFFICIENT_FUNDS")

// fundsShort reports finance refusing a move the paying account (a
// merchant's deposit, a supplier's payable) cannot make: nothing moved.
func fundsShort(err error) bool { return errors.Is(err, errFundsShort) }

// checkShape checks what every new order carries: its address when given
// (by checkAddress: a checkout's must have what its freight estimate
// needs, a partner's order is estimated nothing), and no more lines than a
// cart holds.
func checkShape(v *apperr.Violations, address *domain.Address, lines []domain.CartLine, checkAddress func(*apperr.Violations, string, domain.Address)) {
	if address != nil {
		checkAddress(v, "address", *address)
	}
	if len(lines) > domain.MaxCartLines {
		v.Add("lines", "at most 100 lines")
	}
}

// existing returns the order a repeated checkout or partner order made
// already; found is false when there is none yet.
func (s *Service) existing(ctx context.Context, id uuid.UUID) (domain.Order, bool, error) {
	o, err := s.store.GetOrder(ctx, id, false)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return domain.Order{}, false, nil
	}
	return o, err == nil, err
}

// resolve reads the lines' SKUs and splits them into sub-order drafts.
func (s *Service) resolve(ctx context.Context, lines []domain.CartLine, merchant uuid.UUID) ([]domain.SubOrderDraft, error) {
	ids := make([]uuid.UUID, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.SKUID)
	}
	skus := map[uuid.UUID]domain.SKU{}
	if len(ids) > 0 {
		var err error
		if skus, err = s.skusAt(ctx, ids, merchant); err != nil {
			return nil, err
		}
	}
	return split(lines, skus)
}

// split prices lines with the SKUs read and splits them into sub-order
// drafts (per supplier, then per product type), no more than one payment
// takes.
func split(lines []domain.CartLine, skus map[uuid.UUID]domain.SKU) ([]domain.SubOrderDraft, error) {
	resolved, err := domain.Resolve(lines, skus)
	if err != nil {
		return nil, err
	}
	drafts, err := domain.Split(resolved)
	if err != nil {
		return nil, err
	}
	return drafts, domain.CheckOnePayment(drafts)
}

func newSubOrder(o domain.Order, i int, d domain.SubOrderDraft, address *domain.Address, now time.Time) domain.SubOrder {
	sub := domain.SubOrder{
		ID: domain.SubOrderID(o.ID, d.SupplierID, d.Type), OrderID: o.ID, Position: i, SupplierID: d.SupplierID, Type: d.Type,
		Status: o.Status, Goods: d.Goods, Freight: money.Money{Currency: d.Goods.Currency}, Address: address,
		WeightG: d.WeightG, VolumeCM3: d.VolumeCM3, UpdatedAt: now,
	}
	for _, l := range d.Lines {
		sub.Lines = append(sub.Lines, domain.OrderLine{SKUID: l.SKU.ID, ProductID: l.SKU.ProductID, Quantity: l.Quantity, UnitPrice: l.SKU.Price})
	}
	return sub
}

// ErrCheckoutReleased refuses a checkout retried after it was refused for
// good: its stock was given back, so it needs a new checkout id.
var ErrCheckoutReleased = apperr.FailedPrecondition("this checkout was refused and its stock given back; check out again with a new checkout id").
	WithReason("CHECKOUT_RELEASED")

// reserve holds every sub-order's stock with one inventory call and
// answers the first refusal; the caller gives back what was held (abandon).
// A hold this checkout's earlier attempt gave back cannot be taken again
// under the same keys.
func (s *Service) reserve(ctx context.Context, checkoutID string, holds []Hold) error {
	answers, err := s.Inventory.ReserveMany(ctx, holds)
	for _, a := range answers {
		if err != nil {
			break
		}
		if err = a.Err; err == nil && !a.Held {
			err = ErrCheckoutReleased.WithMetadata("checkout_id", checkoutID)
		}
	}
	return err
}

// checkoutHoldGrace is how long a checkout's stock hold outlasts the
// payment's deadline and its settling: a payment in the deadline's last
// second turns the hold into the fulfilment hold through an inventory
// outage of about a quarter of an hour (the step's retries back off to
// 8.5 and 17 minutes after the payment). An unpaid order's hold is
// released at its deadline, so only a release that fails keeps stock held
// longer.
const checkoutHoldGrace = 20 * time.Minute

// holdsOf are the holds of sub-orders, each under its sub-order id, for
// ttl.
func holdsOf(subs []domain.SubOrder, ttl time.Duration) []Hold {
	holds := make([]Hold, len(subs))
	for i, sub := range subs {
		holds[i] = Hold{Key: sub.ID, Lines: sub.Lines, TTL: ttl}
	}
	return holds
}

// concurrently runs fn(0) … fn(n-1) at once and returns the first error
// in index order: a checkout's calls for its sub-orders are independent,
// and its latency is then the slowest call's, not their sum.
func concurrently(n int, fn func(i int) error) error {
	if n == 1 {
		return fn(0)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// abandon gives back what a checkout refused for good reserved (stock ran
// out, a line cannot be priced), unless a concurrent retry of the same
// checkout stored the order (its sub-orders share the reservations' keys).
// A checkout that failed because a service was unavailable keeps its holds:
// its client retries with the same checkout id and finds them, and a hold
// nobody comes back for expires with its deadline.
func (s *Service) abandon(ctx context.Context, o domain.Order, cause error) {
	if !givesUp(cause) {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if _, err := s.store.GetOrder(ctx, o.ID, false); !apperr.IsKind(err, apperr.KindNotFound) {
		return
	}
	s.releaseAll(ctx, o)
}

// givesUp reports a failure for which a checkout gives its holds back
// (abandon): a refusal its retry would meet again.
func givesUp(cause error) bool {
	switch apperr.KindOf(cause) {
	case apperr.KindInvalid, apperr.KindFailedPrecondition, apperr.KindNotFound, apperr.KindPermissionDenied:
		return true
	}
	return false
}

// releaseAll releases the sub-orders' reservations, best effort.
func (s *Service) releaseAll(ctx context.Context, o domain.Order) {
	for _, sub := range o.SubOrders {
		_ = s.Inventory.Release(context.WithoutCancel(ctx), sub.ID, "checkout failed")
	}
}

// price estimates each physical sub-order's freight, locks a rate per
// supplier currency until past the deadline and converts every sub-order's
// payable into the buyer's currency.
func (s *Service) price(ctx context.Context, o *domain.Order, drafts []domain.SubOrderDraft) error {
	// The estimates and the quotes (one per supplier currency) at once.
	var currencies []string
	for _, sub := range o.SubOrders {
		if cur := sub.Goods.Currency; cur != o.Currency && !slices.Contains(currencies, cur) {
			currencies = append(currencies, cur)
		}
	}
	quotes := make([]Quote, len(currencies))
	err := concurrently(len(o.SubOrders)+len(currencies), func(i int) error {
		if i >= len(o.SubOrders) {
			q, err := s.quote(ctx, o.Currency, currencies[i-len(o.SubOrders)], s.cfg.PaymentTimeout+s.cfg.PaymentSettle)
			quotes[i-len(o.SubOrders)] = q
			return err
		}
		sub := &o.SubOrders[i]
		if sub.Type != domain.Physical {
			return nil
		}
		// The parcel is valued at what the buyer pays for its goods: a
		// coupon's discount lowers what it is estimated, and declared, at.
		d := drafts[i]
		d.Goods.Amount -= sub.Discount
		freight, breakdown, err := s.Freight.Estimate(ctx, d, *sub.Address, sub.Goods.Currency)
		sub.Freight, sub.FreightBreakdown = freight, &breakdown
		return err
	})
	if err != nil {
		return err
	}
	rates := map[string]money.Rate{}
	for i, cur := range currencies {
		o.Quotes[cur], rates[cur] = quotes[i].ID, quotes[i].Rate
	}
	for i := range o.SubOrders {
		sub := &o.SubOrders[i]
		cur := sub.Goods.Currency
		if cur == o.Currency {
			sub.BuyerAmount = sub.Payable().Amount
			continue
		}
		rate := rates[cur]
		paid, err := money.ConvertBack(sub.Payable(), o.Currency, rate)
		if err != nil {
			return apperr.FailedPrecondition("sub-order of supplier " + sub.SupplierID.String() + " cannot be converted to " + o.Currency).
				WithReason("UNCONVERTIBLE").Wrap(err)
		}
		sub.BuyerAmount, sub.Rate = paid.Amount, rate.String()
	}
	for _, sub := range o.SubOrders {
		if sub.BuyerAmount <= 0 {
			return ErrNothingToPay.WithMetadata("sub_order_id", sub.ID.String()).WithMetadata("supplier_id", sub.SupplierID.String())
		}
		o.Total += sub.BuyerAmount
	}
	return nil
}

// ErrNothingToPay refuses a checkout one of whose sub-orders would cost
// the buyer nothing (a coupon taking off all of virtual goods, which carry
// no freight): finance holds no escrow of nothing, so the order could
// never be paid, and would hold its stock and coupon until its deadline.
var ErrNothingToPay = apperr.FailedPrecondition("a sub-order of this checkout would cost nothing after its coupon; check out without the coupon, or with more goods").
	WithReason("NOTHING_TO_PAY")

// place stores the pending order with its deadline, log entry and event,
// and takes its lines out of the cart when it was checked out from there.
func (s *Service) place(ctx context.Context, o domain.Order, fromCart bool, redeem func(Repository) error) (bool, error) {
	inserted := false
	err := s.store.InTx(ctx, func(r Repository) error {
		inserted = false // a retried transaction decides again
		ok, err := r.InsertOrder(ctx, o)
		if err != nil || !ok {
			return err
		}
		if redeem != nil {
			if err := redeem(r); err != nil {
				return err
			}
		}
		inserted = true
		if fromCart {
			if err := removeFromCart(ctx, r, o, s.clock()); err != nil {
				return err
			}
		}
		return r.Write(ctx, Writes{
			Changes:  []domain.Change{{OrderID: o.ID, To: domain.PendingPayment, Actor: domain.Actor{Kind: domain.ActorBuyer, ID: o.BuyerID}, Reason: "placed", At: o.PlacedAt}},
			Schedule: []Task{task(TaskPaymentDeadline, o.ID, o.ID, o.PaymentDueAt)},
			Events: []Event{{Subject: SubjectOrderPlaced, Payload: &ordersv1.OrderPlaced{
				OrderId: o.ID.String(), BuyerId: o.BuyerID, Total: &commonv1.Money{CurrencyCode: o.Currency, AmountMinor: o.Total},
				PaymentDueAt: timestamppb.New(o.PaymentDueAt), OccurredAt: timestamppb.New(o.PlacedAt),
			}}},
		})
	})
	return inserted, err
}

// removeFromCart takes the order's SKUs out of the buyer's cart.
func removeFromCart(ctx context.Context, r Repository, o domain.Order, at time.Time) error {
	cart, err := r.LockCart(ctx, o.BuyerID, at)
	if err != nil {
		return err
	}
	bought := map[uuid.UUID]bool{}
	for _, sub := range o.SubOrders {
		for _, l := range sub.Lines {
			bought[l.SKUID] = true
		}
	}
	cart.Lines = slices.DeleteFunc(cart.Lines, func(l domain.CartLine) bool { return bought[l.SKUID] })
	cart.UpdatedAt = at
	return r.SaveCart(ctx, cart)
}
