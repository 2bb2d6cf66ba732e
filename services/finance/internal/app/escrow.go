package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// Escrows runs the cross-border sale's money commands: every command is one
// ledger command (app.Ledger.Execute) idempotent on its natural key, with its
// events written in the same transaction.
type Escrows struct {
	fin               *Service
	ledger            Ledger
	store             EscrowStore
	defaultCommission int64
	log               *slog.Logger
}

// EscrowOption changes an Escrows' defaults.
type EscrowOption func(*Escrows)

// WithEscrowLog sets where the escrow commands report what they set aside
// (a waiting claw-back refused for good); nothing is logged without it.
func WithEscrowLog(log *slog.Logger) EscrowOption {
	return func(e *Escrows) { e.log = log }
}

// NewEscrows returns the escrow commands over fin (quotes, rates, clock), the
// ledger and the escrow store, with the platform's default commission in
// basis points (FINANCE_DEFAULT_COMMISSION_BPS).
func NewEscrows(fin *Service, l Ledger, store EscrowStore, defaultCommissionBps int64, opts ...EscrowOption) *Escrows {
	e := &Escrows{fin: fin, ledger: l, store: store, defaultCommission: defaultCommissionBps, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(e)
	}
	return e
}

// TopUpPaymentKeyPrefix begins the ledger key of a top-up request's
// payment; the request's id follows.
const TopUpPaymentKeyPrefix = "topup:"

// Idempotency keys of the escrow commands: their natural keys.
func payKey(orderID string) string             { return "pay:" + orderID }
func legKey(legID string) string               { return boundedKey("leg:", legID) }
func settleKey(subOrderID string) string       { return "settle:" + subOrderID }
func refundKey(refundID string) string         { return escrow.RefundKey(refundID) }
func topUpKey(id string) string                { return TopUpPaymentKeyPrefix + id }
func couponKey(sub, coupon string) string      { return escrow.CouponRef(sub, coupon) }
func couponReclaimKey(reclaimID string) string { return escrow.CouponReclaimKey(reclaimID) }
func partnerKey(partner, line string) string   { return boundedKey("partner:"+partner+":", line) }

// boundedKey is prefix + id, or, when that is longer than a ledger key may
// be, prefix + the SHA-256 of id: a leg id is the carrier's choice and a
// settlement line's the partner's, of any length, and a key the ledger
// refuses would have left the leg, or the line, unpaid for good. Keys that
// fit are as they always were, so a retry of a command made before finds
// it.
func boundedKey(prefix, id string) string {
	if len(prefix)+len(id) <= ledger.MaxKeyLength {
		return prefix + id
	}
	sum := sha256.Sum256([]byte(id))
	return prefix + "sha256:" + hex.EncodeToString(sum[:])
}

// CheckoutInput is a checkout's payment. QuoteIDs name, per supplier
// currency other than the buyer's, the FX quote (buyer → supplier currency)
// its shares convert at. MerchantOrgID, set for a merchant order, makes the
// merchant's prepaid deposit (in BuyerCurrency) pay instead of the buyer's
// wallet; BuyerID is still the user who placed the order.
type CheckoutInput struct {
	OrderID       string
	BuyerID       string
	BuyerCurrency string
	MerchantOrgID string
	QuoteIDs      map[string]string
	Shares        []escrow.Share
}

// CheckoutResult is a paid checkout.
type CheckoutResult struct {
	Total    int64 // buyer currency
	Shares   []escrow.PaidShare
	Replayed bool
}

// ErrWalletShort refuses a checkout the buyer's wallet cannot pay.
var ErrWalletShort = apperr.FailedPrecondition("the buyer's wallet cannot pay the checkout").WithReason(ledger.ReasonInsufficientFunds)

// ErrDepositShort refuses a merchant order's checkout the merchant's
// deposit cannot pay.
var ErrDepositShort = apperr.FailedPrecondition("the merchant's deposit cannot pay the checkout").WithReason(ledger.ReasonInsufficientFunds)

// PayCheckout takes the checkout's total from the payer's account — the
// buyer's wallet, or for a merchant order the merchant's deposit — and
// holds each sub-order's share in its escrow, converted at the quoted rate.
// The escrows remember the payer (escrow.Paid.Payer): what they give back
// goes to it and their top-up requests are paid from it. One ledger
// command, idempotent on the order id: a retry with the same body answers
// the first result and moves nothing, even after the quotes expired. An
// account that cannot pay is FailedPrecondition with the shortfall; nothing
// moves and finance.payment.failed is emitted. A deposit's debit emits
// finance.deposit.changed with the payment.
func (e *Escrows) PayCheckout(ctx context.Context, caller auth.Caller, in CheckoutInput) (CheckoutResult, error) {
	if _, err := requireService(caller); err != nil {
		return CheckoutResult{}, err
	}
	if in.MerchantOrgID != "" {
		org, err := apperr.ParseID("merchant_org_id", in.MerchantOrgID)
		if err != nil {
			return CheckoutResult{}, err
		}
		in.MerchantOrgID = org.String()
	}
	for i := range in.Shares {
		// A supplier's payable is named by its id as payouts and the
		// supplier's reads spell it (parseOrg): another form of it would
		// credit a payable nothing reaches.
		in.Shares[i].SupplierOrgID = canonicalOrg(in.Shares[i].SupplierOrgID)
	}
	rates, err := e.checkoutRates(ctx, in)
	if err != nil {
		return CheckoutResult{}, err
	}
	checkout := escrow.Checkout{OrderID: in.OrderID, BuyerID: in.BuyerID, BuyerCurrency: in.BuyerCurrency, MerchantOrgID: in.MerchantOrgID, Shares: in.Shares, Rates: rates}
	plan, err := escrow.PlanCheckout(checkout)
	if err != nil {
		return CheckoutResult{}, err
	}
	now := e.fin.clock()
	captured := &financev1.PaymentCaptured{
		PaymentId: payKey(in.OrderID), OrderId: in.OrderID, Amount: moneyProto(plan.Total, in.BuyerCurrency),
		Escrowed: moneyProto(plan.Shares[0].Escrowed, plan.Shares[0].SupplierCurrency), OccurredAt: timestamppb.New(now),
	}
	for _, sh := range plan.Shares {
		ps := &financev1.PaidShare{SubOrderId: sh.SubOrderID, Paid: moneyProto(sh.Paid, in.BuyerCurrency), Escrowed: moneyProto(sh.Escrowed, sh.SupplierCurrency)}
		if sh.Rate != nil {
			ps.Rate = sh.Rate.Rate
		}
		captured.SubOrders = append(captured.SubOrders, ps)
	}
	events := append([]outbox.Message{{Subject: "finance.payment.captured", Payload: captured}},
		payerMoved(checkout.Paid(escrow.Share{}, nil), plan.Transfers, ledger.CodePayment, in.OrderID, now)...)
	res, err := e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: payKey(in.OrderID), Transfers: plan.Transfers}, events...)
	if errors.Is(err, ledger.ErrInsufficientFunds) {
		return CheckoutResult{}, e.refuseCheckout(ctx, checkout, plan.Total, now)
	}
	if err != nil {
		return CheckoutResult{}, err
	}
	records := make([]escrow.Record, len(plan.Shares))
	for i, s := range plan.Shares {
		records[i] = escrow.Record{Paid: checkout.Paid(s.Share, s.Rate), PaidMinor: s.Paid, Escrowed: s.Escrowed, State: escrow.StateHeld, CreatedAt: now}
	}
	if err := e.store.InsertEscrows(ctx, records); err != nil {
		return CheckoutResult{}, err
	}
	return CheckoutResult{Total: plan.Total, Shares: plan.Shares, Replayed: res.Replayed}, nil
}

// ErrSubOrderPaidElsewhere refuses a payment naming a sub-order another
// order paid for: its money would land in that escrow, which settles and
// refunds to the other order's payer.
var ErrSubOrderPaidElsewhere = apperr.AlreadyExists("a sub-order of the payment was paid under another order").WithReason("SUB_ORDER_PAID_ELSEWHERE")

// checkoutRates resolves the checkout's quotes into snapshots. An order
// already paid converts at the rates its escrows recorded, so a retry after
// the quotes expired still replays.
func (e *Escrows) checkoutRates(ctx context.Context, in CheckoutInput) (map[string]ledger.RateSnapshot, error) {
	rates := map[string]ledger.RateSnapshot{}
	if in.OrderID != "" {
		ids := make([]string, len(in.Shares))
		for i, sh := range in.Shares {
			ids[i] = sh.SubOrderID
		}
		paid, err := e.store.EscrowsOfOrder(ctx, in.OrderID, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range paid {
			if r.OrderID != in.OrderID {
				return nil, ErrSubOrderPaidElsewhere.WithMetadata("sub_order_id", r.SubOrderID).WithMetadata("order_id", r.OrderID)
			}
			if r.Rate != nil {
				rates[r.SupplierCurrency] = *r.Rate
			}
		}
		if len(paid) > 0 {
			return rates, nil
		}
	}
	for cur, id := range in.QuoteIDs {
		if cur == in.BuyerCurrency {
			continue
		}
		q, err := e.fin.usableQuote(ctx, id, in.BuyerCurrency, cur)
		if err != nil && (q.ID == "" || !e.paidBefore(ctx, in)) {
			return nil, err
		}
		rates[cur] = q.Snapshot()
	}
	return rates, nil
}

// paidBefore reports that the checkout's ledger command ran though its
// escrow records were never written (the process stopped in between): its
// replay may use the quotes it was paid with after they expired, and the
// ledger answers it with the first result.
func (e *Escrows) paidBefore(ctx context.Context, in CheckoutInput) bool {
	if len(in.Shares) == 0 {
		return false
	}
	prior, err := e.ledger.TransfersByReference(ctx, in.Shares[0].SubOrderID)
	return err == nil && len(prior) > 0
}

// payerMoved is the event of a movement of the payer's account by
// transfers: finance.deposit.changed when a merchant's deposit paid (reason
// the movement's ledger code, reference its natural key), none for a
// buyer's wallet. It goes in the movement's own ledger command.
func payerMoved(p escrow.Paid, transfers []ledger.TransferSpec, reason ledger.Code, reference string, at time.Time) []outbox.Message {
	if p.MerchantOrgID == "" {
		return nil
	}
	change := p.PayerChange(transfers)
	if change == 0 {
		return nil
	}
	return []outbox.Message{depositChanged(p.MerchantOrgID, change, p.BuyerCurrency, string(reason), reference, at)}
}

// isPayer reports a signed-in user whose account paid the sub-order: the
// buyer for a wallet, any member of the merchant for a deposit.
func isPayer(c auth.Caller, p escrow.Paid) bool {
	if p.MerchantOrgID != "" {
		return memberOf(c, auth.RoleMerchant, p.MerchantOrgID)
	}
	return c.Kind == auth.KindUser && c.Subject != "" && c.Subject == p.BuyerID
}

// refuseCheckout answers a checkout the payer's account cannot pay: the
// shortfall, and finance.payment.failed in a transaction of its own.
func (e *Escrows) refuseCheckout(ctx context.Context, in escrow.Checkout, total int64, now time.Time) error {
	available := int64(0)
	if a, err := e.ledger.AccountByRef(ctx, in.Payer()); err == nil {
		available = a.Balance.Available()
	} else if !apperr.IsKind(err, apperr.KindNotFound) {
		return err
	}
	short := max(total-available, 1)
	failed := &financev1.PaymentFailed{
		OrderId: in.OrderID, Amount: moneyProto(total, in.BuyerCurrency), Shortfall: moneyProto(short, in.BuyerCurrency),
		Reason: ledger.ReasonInsufficientFunds, OccurredAt: timestamppb.New(now),
	}
	if err := e.store.Emit(ctx, outbox.Message{Subject: "finance.payment.failed", Payload: failed}); err != nil {
		return err
	}
	refusal := ErrWalletShort
	if in.MerchantOrgID != "" {
		refusal = ErrDepositShort.WithMetadata("merchant_org_id", in.MerchantOrgID)
	}
	return refusal.
		WithMetadata(ledger.MetadataShortfall, strconv.FormatInt(short, 10)).
		WithMetadata(ledger.MetadataCurrency, in.BuyerCurrency).
		WithMetadata("order_id", in.OrderID)
}

// heldEscrow returns a sub-order's escrow, and ErrEscrowSettled with it
// when it has been settled.
func (e *Escrows) heldEscrow(ctx context.Context, subOrderID string) (escrow.Record, error) {
	r, err := e.store.Escrow(ctx, subOrderID)
	if err != nil {
		return escrow.Record{}, err
	}
	if r.State != escrow.StateHeld {
		return r, ErrEscrowSettled.WithMetadata("sub_order_id", subOrderID)
	}
	return r, nil
}

// ErrEscrowSettled refuses to move a settled sub-order's escrow.
var ErrEscrowSettled = apperr.FailedPrecondition("the sub-order is settled; its escrow is closed").WithReason("ESCROW_SETTLED")

// checkCurrency refuses an amount in another currency than the escrow's.
func checkCurrency(r escrow.Record, currency string) error {
	if currency != r.SupplierCurrency {
		return apperr.InvalidField("amount.currency_code", "must be "+r.SupplierCurrency+", the sub-order's escrow currency")
	}
	return nil
}

// PayFreightLeg pays a carrier-confirmed charge from a sub-order's escrow to
// the carrier's payable, idempotent on the leg id. A leg of a partner
// platform's order or of an after-sale parcel (FromPlatform) is paid from
// the platform's freight expense instead; an outbound parcel of a sub-order
// with an escrow is refused that way.
//
// A leg the escrow can no longer pay is paid from the platform's freight
// expense too, so the carrier is paid every charge it confirmed: one
// confirmed after its sub-order settled (a last-mile charge invoiced after
// delivery, the buyer having confirmed receipt at once: the buyer's bill is
// closed, the platform bears it), or one larger than all the escrow still
// holds: that one the platform advances, and the sub-order's settlement
// bills it with the goods (advanced_freight). A retry pays from where the
// first payment came, so the key always replays; so does a call whose key a
// concurrent call for the leg took paying it from the other account (the
// escrow short or settled for one of them).
func (e *Escrows) PayFreightLeg(ctx context.Context, caller auth.Caller, leg escrow.FreightLeg) (ledger.Result, error) {
	if _, err := requireService(caller); err != nil {
		return ledger.Result{}, err
	}
	specs, err := escrow.PlanFreightLeg(leg)
	if err != nil {
		return ledger.Result{}, err
	}
	if leg.FromPlatform {
		return e.payPlatformFreight(ctx, leg, specs)
	}
	res, err := e.payLeg(ctx, leg, specs)
	if errors.Is(err, ledger.ErrIdempotencyKeyReused) {
		res, err = e.payLeg(ctx, leg, specs)
	}
	return res, err
}

// payLeg pays a sub-order's leg from where it was paid before, else from
// its escrow, else (short or settled) from the platform's freight expense.
func (e *Escrows) payLeg(ctx context.Context, leg escrow.FreightLeg, specs []ledger.TransferSpec) (ledger.Result, error) {
	switch from, err := e.legPaidFrom(ctx, leg.LegID); {
	case err != nil:
		return ledger.Result{}, err
	case from == ledger.KindFreightExpense:
		res, err := e.platformPaysLeg(ctx, leg, "")
		if err != nil {
			return res, err
		}
		// Recorded again in case the first call stopped before it: a leg
		// the platform paid while the escrow was held was advanced.
		return res, e.advancedIfHeld(ctx, leg)
	case from != "":
		return e.executeLeg(ctx, leg, specs) // paid from the escrow: the ledger replays it
	}
	r, err := e.heldEscrow(ctx, leg.SubOrderID)
	settled := errors.Is(err, ErrEscrowSettled)
	if err != nil && !settled {
		return ledger.Result{}, err
	}
	if err := checkCurrency(r, leg.Currency); err != nil {
		return ledger.Result{}, err
	}
	if settled {
		return e.platformPaysLeg(ctx, leg, "escrow settled")
	}
	res, err := e.executeLeg(ctx, leg, specs)
	if errors.Is(err, ledger.ErrInsufficientFunds) {
		// Refused, so nothing moved and the key is free for the platform's
		// payment, which the settlement bills.
		if res, err = e.platformPaysLeg(ctx, leg, "escrow short"); err != nil {
			return res, err
		}
		return res, e.store.RecordAdvancedFreight(ctx, leg.LegID, leg.SubOrderID, leg.Amount, e.fin.clock())
	}
	return res, err
}

// advancedIfHeld records a leg the platform paid as advanced freight of its
// sub-order while the sub-order's escrow is held (not settled, in its record
// or in the ledger): one paid after settlement stays the platform's.
func (e *Escrows) advancedIfHeld(ctx context.Context, leg escrow.FreightLeg) error {
	r, err := e.store.Escrow(ctx, leg.SubOrderID)
	if err != nil || r.State == escrow.StateSettled {
		return err
	}
	settled, err := e.settlementTransfers(ctx, leg.SubOrderID)
	if err != nil || len(settled) > 0 {
		return err
	}
	return e.store.RecordAdvancedFreight(ctx, leg.LegID, leg.SubOrderID, leg.Amount, e.fin.clock())
}

// legPaidFrom is the kind of account a leg was paid from, "" when it has
// not been paid.
func (e *Escrows) legPaidFrom(ctx context.Context, legID string) (ledger.Kind, error) {
	prior, err := e.ledger.TransfersByReference(ctx, legID)
	if err != nil {
		return "", err
	}
	for _, t := range prior {
		if t.Code != ledger.CodeFreightLeg {
			continue
		}
		a, err := e.ledger.Account(ctx, t.DebitAccount)
		if err != nil {
			return "", err
		}
		return a.Kind, nil
	}
	return "", nil
}

// platformPaysLeg pays an escrowed sub-order's leg from the platform's
// freight expense (see PayFreightLeg); why, when set, is logged.
func (e *Escrows) platformPaysLeg(ctx context.Context, leg escrow.FreightLeg, why string) (ledger.Result, error) {
	leg.FromPlatform = true
	specs, err := escrow.PlanFreightLeg(leg)
	if err != nil {
		return ledger.Result{}, err
	}
	if why != "" && e.log != nil {
		e.log.Warn("a freight leg the escrow cannot pay is paid by the platform", "why", why,
			"sub_order_id", leg.SubOrderID, "leg_id", leg.LegID, "amount_minor", leg.Amount, "currency", leg.Currency)
	}
	return e.executeLeg(ctx, leg, specs)
}

// executeLeg runs a leg's payment, keyed by the leg, with its event.
func (e *Escrows) executeLeg(ctx context.Context, leg escrow.FreightLeg, specs []ledger.TransferSpec) (ledger.Result, error) {
	ev := &financev1.FreightLegPaid{SubOrderId: leg.SubOrderID, LegId: leg.LegID, CarrierId: leg.CarrierID,
		Amount: moneyProto(leg.Amount, leg.Currency), FromPlatform: leg.FromPlatform, AfterSaleId: leg.AfterSaleID,
		OccurredAt: timestamppb.New(e.fin.clock())}
	return e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: legKey(leg.LegID), Transfers: specs},
		outbox.Message{Subject: "finance.freight_leg.paid", Payload: ev})
}

// payPlatformFreight pays a partner order's or an after-sale parcel's leg
// from the platform's freight expense. An outbound parcel of a sub-order
// with an escrow pays its freight from it: paying it from the platform too
// would charge the platform for freight the buyer paid. A return parcel's
// is the platform's whatever the sub-order's escrow.
func (e *Escrows) payPlatformFreight(ctx context.Context, leg escrow.FreightLeg, specs []ledger.TransferSpec) (ledger.Result, error) {
	if leg.AfterSaleID == "" {
		switch _, err := e.store.Escrow(ctx, leg.SubOrderID); {
		case err == nil:
			return ledger.Result{}, ErrFreightFromEscrow.WithMetadata("sub_order_id", leg.SubOrderID)
		case !apperr.IsKind(err, apperr.KindNotFound):
			return ledger.Result{}, err
		}
	}
	return e.executeLeg(ctx, leg, specs)
}

// ErrFreightFromEscrow refuses to pay from the platform a leg of a
// sub-order whose buyer paid its freight into escrow.
var ErrFreightFromEscrow = apperr.FailedPrecondition("the sub-order has an escrow: its freight is paid from it, not by the platform").
	WithReason("FREIGHT_FROM_ESCROW")

// FundCoupon sets a platform-funded discount in a sub-order's escrow to
// amount, paid from the coupon expense while the escrow is held. The same
// amount again answers a replay, before settlement or after it. Another
// amount before settlement pays in, or takes back, the difference: the
// caller's funding follows the goods it settles, and a return refunded
// between its funding and its settlement lowers both. Each change is its
// own ledger command, keyed by the sub-order, the coupon and how many came
// before it, so two calls racing from the same funding cannot both move
// money: the second is AlreadyExists, or a replay when it asked the same.
func (e *Escrows) FundCoupon(ctx context.Context, caller auth.Caller, subOrderID, couponID string, amount int64, currency string) (ledger.Result, error) {
	if _, err := requireService(caller); err != nil {
		return ledger.Result{}, err
	}
	c := escrow.Coupon{SubOrderID: subOrderID, CouponID: couponID, Amount: amount, Currency: currency}
	if _, err := escrow.PlanCoupon(c); err != nil {
		return ledger.Result{}, err
	}
	r, err := e.store.Escrow(ctx, subOrderID)
	if err != nil {
		return ledger.Result{}, err
	}
	if err := checkCurrency(r, currency); err != nil {
		return ledger.Result{}, err
	}
	prior, err := e.ledger.TransfersByReference(ctx, escrow.CouponRef(subOrderID, couponID))
	if err != nil {
		return ledger.Result{}, err
	}
	funded, changes := escrow.CouponFunding(prior)
	if funded == amount {
		// The same funding again, or none asked of a coupon that funded
		// nothing.
		return ledger.Result{Replayed: true}, nil
	}
	c.Funded = funded
	if r.State != escrow.StateHeld {
		return ledger.Result{}, ErrEscrowSettled.WithMetadata("sub_order_id", subOrderID)
	}
	c.EscrowBalance, err = e.heldBalance(ctx, r)
	if errors.Is(err, errSettledInLedger) {
		return ledger.Result{}, ErrEscrowSettled.WithMetadata("sub_order_id", subOrderID)
	}
	if err != nil {
		return ledger.Result{}, err
	}
	specs, err := escrow.PlanCoupon(c)
	if err != nil || len(specs) == 0 {
		// Lowered as far as escrow allowed: what a refund spent of the
		// funding stays spent.
		return ledger.Result{Replayed: true}, err
	}
	key := couponKey(subOrderID, couponID)
	if changes > 0 {
		key += ":" + strconv.Itoa(changes)
	}
	ev := &financev1.CouponFunded{SubOrderId: subOrderID, CouponId: couponID, Amount: moneyProto(amount, currency), OccurredAt: timestamppb.New(e.fin.clock())}
	// Planned on escrow's balance as read: a settlement committed since
	// refuses it (Aborted, nothing moved) rather than leave the platform's
	// money in a settled escrow.
	return e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: key, Transfers: specs,
		Expect: []ledger.Expectation{{Account: escrow.Escrow(subOrderID, r.SupplierCurrency), Net: c.EscrowBalance}}},
		outbox.Message{Subject: "finance.coupon.funded", Payload: ev})
}

// ErrNotSettled refuses a reclaim of coupon funding before settlement:
// the platform then funds less instead.
var ErrNotSettled = apperr.FailedPrecondition("the sub-order is not settled: the platform funds its coupon less instead").WithReason("NOT_SETTLED")

// ReclaimCoupon takes back, from a settled sub-order's supplier payable
// into the coupon expense, the platform's coupon funding of goods returned
// after settlement; idempotent on the reclaim id. The sub-order's reclaims
// together take back no more than its coupon funded (each claimed before
// it moves money, as refunds are: COUPON_RECLAIM_EXCEEDS_FUNDING). A
// payable that cannot pay it is the ledger's INSUFFICIENT_FUNDS: the
// caller asks again later.
func (e *Escrows) ReclaimCoupon(ctx context.Context, caller auth.Caller, subOrderID, couponID, reclaimID string, amount int64, currency string) (ledger.Result, error) {
	if _, err := requireService(caller); err != nil {
		return ledger.Result{}, err
	}
	r, err := e.store.Escrow(ctx, subOrderID)
	if err != nil {
		return ledger.Result{}, err
	}
	if err := checkCurrency(r, currency); err != nil {
		return ledger.Result{}, err
	}
	key := couponReclaimKey(reclaimID)
	prior, err := e.ledger.TransfersByReference(ctx, escrow.CouponReclaimRef(subOrderID, reclaimID))
	if err != nil {
		return ledger.Result{}, err
	}
	if len(prior) > 0 {
		// A replay: what moved then, whatever was funded since.
		if prior[0].Amount != amount {
			return ledger.Result{}, ledger.KeyReused(key)
		}
		return ledger.Result{Replayed: true}, nil
	}
	if r.State != escrow.StateSettled {
		return ledger.Result{}, ErrNotSettled.WithMetadata("sub_order_id", subOrderID)
	}
	funding, err := e.ledger.TransfersByReference(ctx, escrow.CouponRef(subOrderID, couponID))
	if err != nil {
		return ledger.Result{}, err
	}
	funded, _ := escrow.CouponFunding(funding)
	reclaim := escrow.CouponReclaim{SubOrderID: subOrderID, CouponID: couponID, ReclaimID: reclaimID,
		SupplierOrgID: r.SupplierOrgID, Amount: amount, Currency: currency, Funded: funded}
	if _, err := escrow.PlanCouponReclaim(reclaim); err != nil {
		return ledger.Result{}, err // refused before anything is claimed
	}
	attempt, commission, err := e.store.ClaimCouponReclaim(ctx, escrow.ReclaimClaim{ReclaimID: reclaimID, SubOrderID: subOrderID, Amount: amount, CreatedAt: e.fin.clock()},
		func(reclaimed, commissionReturned int64) (int64, error) {
			if err := escrow.CheckCouponReclaim(funded, reclaimed, amount); err != nil {
				return 0, err
			}
			return escrow.CommissionReturn(amount, r.SettledGoods, r.Commission, commissionReturned), nil
		})
	if err != nil {
		return ledger.Result{}, err
	}
	reclaim.CommissionReturn = commission
	specs, err := escrow.PlanCouponReclaim(reclaim)
	if err != nil {
		return ledger.Result{}, errors.Join(err, e.store.ReleaseCouponReclaim(ctx, reclaimID, attempt))
	}
	res, err := e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: key, Transfers: specs})
	if refused(err) {
		// Nothing moved (a payable short, say): the reclaim must not count.
		if rerr := e.store.ReleaseCouponReclaim(ctx, reclaimID, attempt); rerr != nil {
			return ledger.Result{}, errors.Join(err, rerr)
		}
	}
	return res, err
}

// GetSubOrderEscrow returns a sub-order's escrow and its balance to our
// services, admins and whoever paid it (the buyer, or for a merchant order
// the merchant's members); to anyone else it does not exist.
func (e *Escrows) GetSubOrderEscrow(ctx context.Context, caller auth.Caller, subOrderID string) (escrow.Record, int64, error) {
	if caller.Subject == "" {
		return escrow.Record{}, 0, auth.ErrAuthenticationRequired
	}
	r, err := e.store.Escrow(ctx, subOrderID)
	if err != nil {
		return escrow.Record{}, 0, err
	}
	if !isServiceOrAdmin(caller) && !isPayer(caller, r.Paid) {
		return escrow.Record{}, 0, apperr.NotFound("sub-order escrow", subOrderID)
	}
	bal, err := e.escrowBalance(ctx, r)
	return r, bal, err
}

// escrowBalance is what a sub-order's escrow holds now, in the ledger.
func (e *Escrows) escrowBalance(ctx context.Context, r escrow.Record) (int64, error) {
	a, err := e.ledger.AccountByRef(ctx, escrow.Escrow(r.SubOrderID, r.SupplierCurrency))
	if apperr.IsKind(err, apperr.KindNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return a.Balance.Net(), nil
}

func moneyProto(amount int64, currency string) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: currency, AmountMinor: amount}
}

// todayRate is the rate in force now from the supplier's currency to the
// buyer's, when one is recorded and fresh: it values the FX difference of a
// conversion back. Without one no difference is booked.
func (e *Escrows) todayRate(ctx context.Context, r escrow.Record) *money.Rate {
	if r.Rate == nil {
		return nil
	}
	now := e.fin.clock()
	rate, err := e.fin.store.ExchangeRateAt(ctx, r.SupplierCurrency, r.BuyerCurrency, now)
	if err != nil || e.fin.fx.CheckFresh(rate, now) != nil {
		return nil
	}
	return &rate.Rate
}

// canonicalOrg is an organization id in its canonical form (lower case,
// hyphenated) when it is a UUID, else as given.
func canonicalOrg(id string) string {
	if u, err := uuid.Parse(id); err == nil {
		return u.String()
	}
	return id
}
