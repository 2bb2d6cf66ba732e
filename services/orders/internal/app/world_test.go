package app_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// world plays the services orders calls, keeping their state in memory the
// way they keep it: stock and reservations keyed by sub-order, one wallet
// per buyer, an escrow per sub-order, parcels per sub-order. The real
// services are proven against orders by the end-to-end tests; this world
// lets the saga's paths be driven step by step, with time moved at will.
type world struct {
	mu       sync.Mutex
	skus     catalogue
	stock    map[uuid.UUID]int64 // available
	reserved map[uuid.UUID]*reservation
	now      func() time.Time

	addresses map[string]*domain.Address
	// Every coupon holder is an account (an organization a merchant's)
	// except the ids in noAccount; the organizations in supplierOrgs are
	// suppliers'.
	noAccount, supplierOrgs map[uuid.UUID]bool
	freight                 int64 // minor units per physical sub-order
	// estimatorDown makes the freight estimator unavailable.
	estimatorDown bool
	// holdUnavailable fails, for now, the holds of ReserveMany holding this
	// SKU, and those alone.
	holdUnavailable uuid.UUID
	// inventoryDown fails every ReserveMany call, as a restarting inventory would.
	inventoryDown bool
	// releaseFailures fails that many Release calls before they work again.
	releaseFailures int
	// holding, when set, runs at the start of every ReserveMany call
	// (outside the world's lock): a test may hold the call there.
	holding func()

	wallets   map[string]int64
	paidOrder map[uuid.UUID]bool
	// returnLookUps counts ReturnParcel calls.
	returnLookUps int
	// payCalls counts PayCheckout calls per order, replays included.
	payCalls map[uuid.UUID]int
	// quoteLocks are the rate locks asked for, a quote each.
	quoteLocks []time.Duration
	// beforeAnswer runs after PayCheckout took a payment, before it
	// answers: the payment's event arriving first.
	beforeAnswer func(o domain.Order)
	escrows      map[uuid.UUID]*escrow
	refunds      map[string]bool
	// refundAnswersLost makes that many Refund calls refund and then fail,
	// as when their answer is lost.
	refundAnswersLost atomic.Int32
	// settling, when set, runs after Settle answers, before the caller
	// records the answer (outside the world's lock): the buyer paying a
	// top-up at once, say.
	settling func(sub uuid.UUID, topUp *app.TopUpRequest)
	// beforeSettle, when set, runs as Settle is called, before finance
	// settles; completing as Complete is called, before logistics records
	// the bill (both outside the world's lock).
	beforeSettle func(sub uuid.UUID)
	completing   func(shipment uuid.UUID)
	// settleDown makes Settle fail before settling, as a finance that
	// keeps failing the settlement would.
	settleDown bool
	// failPay makes PayCheckout take the money and then fail, as when its
	// answer is lost.
	failPay bool
	// payDown makes PayCheckout fail before taking anything, as a finance
	// that is restarting.
	payDown bool
	// dropRecords makes PayCheckout take the money but stop before its
	// escrow records, as finance dying between its ledger command and them;
	// a replay writes them.
	dropRecords bool

	parcels map[uuid.UUID]*parcel
	// booking, when set, runs as Ship books a parcel, before it answers
	// (outside the world's lock).
	booking func(sub uuid.UUID)
	// bookingReturn, when set, runs after ShipReturn booked a request's
	// parcel, before it answers.
	bookingReturn func(request uuid.UUID)
	// returns are the return parcels by after-sale request; restocked the
	// units put back on hand by key.
	returns   map[uuid.UUID]*parcel
	restocked map[string]int64
	// warehouses are the suppliers' warehouses, by id.
	warehouses map[uuid.UUID]uuid.UUID
	// couponExpense is what the platform paid into escrows for coupons;
	// deposits are the merchants' prepaid money.
	couponExpense int64
	// couponFunded is what each coupon funded each escrow, by its key.
	couponFunded map[string]int64
}

type reservation struct {
	lines   []domain.OrderLine
	status  string // active, committed, released, expired
	expires time.Time
}

type escrow struct {
	buyer    string
	balance  int64
	settled  bool
	refunded int64
	// supplierPaid is what settlement paid the supplier; clawedBack what
	// returns took back from it since.
	supplierPaid, clawedBack int64
}

type parcel struct {
	id              uuid.UUID
	platformPays    bool // its legs from the platform's freight expense
	delivered, done bool
	unpaidLegs      int64
	// freightPending: its last-mile charge is still on its way.
	freightPending bool
	// pickedUp: the carrier has it, so it can no longer be cancelled;
	// returned: the carrier took it back to its sender; vanished: logistics
	// no longer has it (a return parcel); cancelNotFound: cancelling it is
	// NotFound though logistics has it (its carrier's 404).
	cancelled, pickedUp, returned, vanished, cancelNotFound bool
}

func newWorld(skus ...domain.SKU) *world {
	w := &world{skus: catalogue{}, stock: map[uuid.UUID]int64{}, reserved: map[uuid.UUID]*reservation{}, now: time.Now,
		addresses: map[string]*domain.Address{}, freight: 500, wallets: map[string]int64{}, paidOrder: map[uuid.UUID]bool{}, payCalls: map[uuid.UUID]int{},
		escrows: map[uuid.UUID]*escrow{}, refunds: map[string]bool{}, couponFunded: map[string]int64{}, parcels: map[uuid.UUID]*parcel{},
		returns: map[uuid.UUID]*parcel{}, restocked: map[string]int64{}, warehouses: map[uuid.UUID]uuid.UUID{}}
	for _, s := range skus {
		w.skus[s.ID] = s
	}
	return w
}

func (w *world) peers() app.Peers {
	return app.Peers{Catalog: w.skus, Inventory: w, Users: w, Freight: w, Finance: w, Logistics: w}
}

// Inventory.

func (w *world) Available(_ context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[uuid.UUID]int64{}
	for _, id := range ids {
		out[id] = w.stock[id]
	}
	return out, nil
}

func (w *world) Reserve(_ context.Context, key uuid.UUID, lines []domain.OrderLine, ttl time.Duration) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.expire()
	if r, ok := w.reserved[key]; ok {
		if r.status == "active" && w.now().Add(ttl).After(r.expires) {
			r.expires = w.now().Add(ttl)
		}
		return r.status == "active" || r.status == "committed", nil
	}
	for _, l := range lines {
		if w.stock[l.SKUID] < int64(l.Quantity) {
			return false, apperr.FailedPrecondition("not enough stock").WithReason("INSUFFICIENT_STOCK")
		}
	}
	for _, l := range lines {
		w.stock[l.SKUID] -= int64(l.Quantity)
	}
	w.reserved[key] = &reservation{lines: lines, status: "active", expires: w.now().Add(ttl)}
	return true, nil
}

func (w *world) ReserveMany(ctx context.Context, holds []app.Hold) ([]app.HoldAnswer, error) {
	if w.holding != nil {
		w.holding()
	}
	if w.inventoryDown {
		return nil, apperr.Unavailable("inventory is restarting")
	}
	out := make([]app.HoldAnswer, len(holds))
	for i, h := range holds {
		if slices.ContainsFunc(h.Lines, func(l domain.OrderLine) bool { return l.SKUID == w.holdUnavailable }) {
			out[i].Err = apperr.Unavailable("this hold's stock rows are busy; try again")
			continue
		}
		out[i].Held, out[i].Err = w.Reserve(ctx, h.Key, h.Lines, h.TTL)
	}
	return out, nil
}

// expire lets lapsed holds go, as inventory's expiry worker does.
func (w *world) expire() {
	for _, r := range w.reserved {
		if r.status == "active" && !w.now().Before(r.expires) {
			w.giveBack(r, "expired")
		}
	}
}

func (w *world) giveBack(r *reservation, status string) {
	for _, l := range r.lines {
		w.stock[l.SKUID] += int64(l.Quantity)
	}
	r.status = status
}

func (w *world) Release(_ context.Context, key uuid.UUID, _ string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.releaseFailures > 0 {
		w.releaseFailures--
		return apperr.Unavailable("inventory is restarting")
	}
	if r, ok := w.reserved[key]; ok && r.status == "active" {
		w.giveBack(r, "released")
	}
	return nil
}

func (w *world) Commit(_ context.Context, key uuid.UUID) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.reserved[key]
	if !ok {
		return apperr.NotFound("reservation", key.String())
	}
	if r.status == "denied" { // this service's identity missing a role
		return apperr.PermissionDenied("this method is for service accounts").WithReason("SERVICES_ONLY")
	}
	if r.status != "active" && r.status != "committed" {
		return apperr.FailedPrecondition("reservation " + r.status)
	}
	r.status = "committed"
	return nil
}

// pickUp plays the carrier taking a parcel: inventory's expiry worker has
// let lapsed holds go, then logistics commits the sub-order's reservation.
func (w *world) pickUp(sub uuid.UUID) error {
	w.mu.Lock()
	w.expire()
	w.mu.Unlock()
	return w.Commit(context.Background(), sub)
}

// Users and freight.

func (w *world) DefaultAddress(_ context.Context, buyer string) (*domain.Address, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.addresses[buyer], nil
}

func (w *world) FindHolders(_ context.Context, holders []domain.Holder) (map[domain.Holder]domain.AccountKind, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	found := map[domain.Holder]domain.AccountKind{}
	for _, h := range holders {
		switch {
		case w.noAccount[h.ID]:
		case h.Kind == domain.HolderUser:
			found[h] = domain.AccountUser
		case w.supplierOrgs[h.ID]:
			found[h] = domain.AccountSupplier
		default:
			found[h] = domain.AccountMerchant
		}
	}
	return found, nil
}

func (w *world) Estimate(_ context.Context, d domain.SubOrderDraft, _ domain.Address, currency string) (money.Money, domain.FreightBreakdown, error) {
	if w.estimatorDown {
		return money.Money{}, domain.FreightBreakdown{}, apperr.Unavailable("the estimator is restarting")
	}
	// The estimator values the parcel at the draft's goods, as the real one
	// echoes the declared value it was given.
	f := money.Money{Amount: w.freight, Currency: currency}
	return f, domain.FreightBreakdown{Basis: "rate_card", TargetFreight: f, Multiplier: "1.5", DeclaredValue: d.Goods}, nil
}

// Finance: one currency, rate 1.

func (w *world) Quote(_ context.Context, from, to string, lockFor time.Duration) (app.Quote, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.quoteLocks = append(w.quoteLocks, lockFor)
	return app.Quote{ID: uuid.NewString(), Rate: money.MustParseRate("1")}, nil
}

func (w *world) PayCheckout(ctx context.Context, o domain.Order) error {
	err := w.payCheckout(o)
	if err == nil && w.beforeAnswer != nil {
		w.beforeAnswer(o)
	}
	return err
}

func (w *world) payCheckout(o domain.Order) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.payDown {
		return apperr.Unavailable("finance is restarting")
	}
	w.payCalls[o.ID]++
	if !w.paidOrder[o.ID] {
		var total int64
		for _, s := range o.SubOrders {
			total += s.Payable().Amount
		}
		if w.wallets[payer(o)] < total {
			return apperr.FailedPrecondition("the buyer's wallet cannot pay the checkout").WithReason("INSUFFICIENT_FUNDS")
		}
		w.wallets[payer(o)] -= total
		w.paidOrder[o.ID] = true
		if w.dropRecords {
			return apperr.Unavailable("finance stopped")
		}
	}
	for _, s := range o.SubOrders {
		if _, ok := w.escrows[s.ID]; !ok {
			w.escrows[s.ID] = &escrow{buyer: payer(o), balance: s.Payable().Amount}
		}
	}
	if w.failPay {
		return apperr.Unavailable("finance's answer was lost")
	}
	return nil
}

// payer is whose money pays an order: the buyer's wallet, or a merchant's
// deposit (kept among the wallets under the organization's key).
func payer(o domain.Order) string {
	if o.MerchantOrgID != uuid.Nil {
		return depositOf(o.MerchantOrgID)
	}
	return o.BuyerID
}

func depositOf(org uuid.UUID) string { return "deposit:" + org.String() }

func (w *world) Escrow(_ context.Context, sub uuid.UUID) (*app.Escrow, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.escrows[sub]
	if !ok {
		return nil, nil
	}
	return &app.Escrow{Balance: money.Money{Amount: e.balance, Currency: "USD"}, Settled: e.settled}, nil
}

func (w *world) Refund(ctx context.Context, sub uuid.UUID, id string, amount money.Money) (app.Refund, error) {
	res, err := w.refund(sub, id, amount)
	if err == nil && w.refundAnswersLost.Load() > 0 {
		w.refundAnswersLost.Add(-1)
		return app.Refund{}, apperr.Unavailable("finance's answer was lost")
	}
	return res, err
}

func (w *world) refund(sub uuid.UUID, id string, amount money.Money) (app.Refund, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.escrows[sub]
	if w.refunds[id] {
		return app.Refund{ClawBack: e.settled}, nil
	}
	if e.settled {
		// After settlement the supplier's payable pays it back.
		if amount.Amount > e.supplierPaid-e.clawedBack {
			return app.Refund{ClawBack: true, Waiting: true}, nil
		}
		w.refunds[id] = true
		e.clawedBack += amount.Amount
		w.wallets[e.buyer] += amount.Amount
		return app.Refund{ClawBack: true}, nil
	}
	if amount.Amount > e.balance {
		return app.Refund{}, apperr.FailedPrecondition("insufficient funds in escrow").WithReason("INSUFFICIENT_FUNDS")
	}
	w.refunds[id] = true
	e.balance -= amount.Amount
	e.refunded += amount.Amount
	w.wallets[e.buyer] += amount.Amount
	return app.Refund{}, nil
}

func (w *world) Settle(_ context.Context, sub uuid.UUID, goods money.Money) (*app.TopUpRequest, error) {
	if w.beforeSettle != nil {
		w.beforeSettle(sub)
	}
	if w.settleDown {
		return nil, apperr.Unavailable("finance cannot settle now")
	}
	topUp, err := w.settle(sub, goods)
	if err == nil && w.settling != nil {
		w.settling(sub, topUp)
	}
	return topUp, err
}

func (w *world) settle(sub uuid.UUID, goods money.Money) (*app.TopUpRequest, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.escrows[sub]
	if e.settled {
		return nil, nil
	}
	if e.balance < goods.Amount {
		return &app.TopUpRequest{ID: "top-up-" + sub.String(), Amount: money.Money{Amount: goods.Amount - e.balance, Currency: goods.Currency}}, nil
	}
	w.wallets[e.buyer] += e.balance - goods.Amount
	e.refunded += e.balance - goods.Amount
	e.balance, e.settled, e.supplierPaid = 0, true, goods.Amount
	return nil, nil
}

// payTopUp plays the buyer paying a sub-order's top-up request: finance
// settles the escrow, paying the supplier the goods.
func (w *world) payTopUp(sub uuid.UUID, goods int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.escrows[sub]
	e.balance, e.settled, e.supplierPaid = 0, true, goods
}

func (w *world) FundCoupon(_ context.Context, sub uuid.UUID, coupon string, amount money.Money) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	// As finance: the funding is set, lowered before settlement as far as
	// escrow holds it, and fixed once settled.
	key := "coupon:" + sub.String() + ":" + coupon
	e, change := w.escrows[sub], amount.Amount-w.couponFunded[key]
	switch {
	case change == 0:
	case e.settled:
		return apperr.FailedPrecondition("the sub-order is settled").WithReason("ESCROW_SETTLED")
	default:
		change = max(change, -e.balance)
		e.balance += change
		w.couponExpense += change
		w.couponFunded[key] += change
	}
	return nil
}

// WarehouseSupplier answers the warehouses a test gave a supplier.
func (w *world) WarehouseSupplier(_ context.Context, id uuid.UUID) (uuid.UUID, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	owner, ok := w.warehouses[id]
	if !ok {
		return uuid.Nil, apperr.NotFound("warehouse", id.String())
	}
	return owner, nil
}

// warehouseOf gives a supplier a new warehouse.
func (w *world) warehouseOf(supplier uuid.UUID) uuid.UUID {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := uuid.New()
	w.warehouses[id] = supplier
	return id
}

// ReclaimCoupon takes a returned good's coupon funding back from the
// settled supplier into the coupon expense, once per id.
func (w *world) ReclaimCoupon(_ context.Context, sub uuid.UUID, _, id string, amount money.Money) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, key := w.escrows[sub], "reclaim:"+id
	switch {
	case w.refunds[key]:
		return nil
	case !e.settled:
		return apperr.FailedPrecondition("not settled").WithReason("NOT_SETTLED")
	case amount.Amount > e.supplierPaid-e.clawedBack:
		return apperr.FailedPrecondition("insufficient funds").WithReason("INSUFFICIENT_FUNDS")
	}
	w.refunds[key] = true
	e.clawedBack += amount.Amount
	w.couponExpense -= amount.Amount
	return nil
}

func (w *world) Restock(_ context.Context, _ uuid.UUID, key string, lines []domain.AfterSaleLine) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, done := w.restocked[key]; done {
		return nil
	}
	for _, l := range lines {
		w.stock[l.SKUID] += int64(l.Quantity)
		w.restocked[key] += int64(l.Quantity)
	}
	return nil
}

func (w *world) ShipReturn(_ context.Context, in app.ReturnInput) (app.Shipment, error) {
	sh := w.shipReturn(in)
	if w.bookingReturn != nil {
		w.bookingReturn(in.AfterSale.ID)
	}
	return sh, nil
}

func (w *world) shipReturn(in app.ReturnInput) app.Shipment {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.returns[in.AfterSale.ID]
	if !ok {
		p = &parcel{id: uuid.New()}
		w.returns[in.AfterSale.ID] = p
	}
	return app.Shipment{ID: p.id, Waybill: "RT" + strconv.Itoa(len(w.returns)), CarrierCode: "sim"}
}

// Logistics.

func (w *world) Ship(_ context.Context, in app.ShipInput) (app.Shipment, error) {
	sh := w.ship(in)
	if w.booking != nil {
		w.booking(in.SubOrder.ID)
	}
	return sh, nil
}

func (w *world) ship(in app.ShipInput) app.Shipment {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.parcels[in.SubOrder.ID]
	if !ok {
		p = &parcel{id: uuid.New(), platformPays: in.PlatformPays}
		w.parcels[in.SubOrder.ID] = p
	}
	return app.Shipment{ID: p.id, Waybill: "WB" + strconv.Itoa(len(w.parcels)), CarrierCode: "sim"}
}

func (w *world) Parcel(_ context.Context, sub uuid.UUID) (*app.Parcel, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.parcels[sub]
	if !ok {
		return nil, nil
	}
	out := w.where(p)
	out.UnpaidLegs, out.FreightPending, out.From = int(p.unpaidLegs), p.freightPending, &warehouse
	return out, nil
}

// where is a parcel as logistics answers it: on its way, delivered (now),
// returned to its sender or cancelled. The caller holds mu.
func (w *world) where(p *parcel) *app.Parcel {
	out := &app.Parcel{Shipment: app.Shipment{ID: p.id}, Status: "in_transit"}
	switch {
	case p.delivered:
		at := w.now()
		out.Status, out.DeliveredAt = "delivered", &at
	case p.returned:
		out.Status = app.ParcelReturned
	case p.cancelled:
		out.Status = app.ParcelCancelled
	}
	return out
}

func (w *world) ReturnParcel(_ context.Context, id uuid.UUID) (*app.Parcel, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.returns {
		if p.id != id {
			continue
		}
		w.returnLookUps++
		if p.vanished {
			return nil, nil
		}
		return w.where(p), nil
	}
	return nil, nil
}

func (w *world) Cancel(_ context.Context, sub uuid.UUID, _ string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p, ok := w.parcels[sub]; ok {
		if p.pickedUp {
			return apperr.FailedPrecondition("the carrier picked the parcel up").WithReason("ALREADY_PICKED_UP")
		}
		p.cancelled = true
	}
	return nil
}

// CancelReturn cancels a return parcel the carrier has not picked up.
func (w *world) CancelReturn(_ context.Context, id uuid.UUID, _ string) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.returns {
		if p.id == id && !p.vanished {
			if p.cancelNotFound {
				return false, apperr.NotFound("carrier booking", p.id.String())
			}
			p.cancelled = p.cancelled || !p.pickedUp // cancelling a cancelled parcel answers so
			return p.cancelled, nil
		}
	}
	return false, apperr.NotFound("shipment", id.String())
}

func (w *world) Complete(_ context.Context, id uuid.UUID) error {
	if w.completing != nil {
		w.completing(id)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.parcels {
		if p.id == id {
			if !p.delivered {
				return apperr.FailedPrecondition("not delivered").WithReason("NOT_DELIVERED")
			}
			if p.freightPending {
				return apperr.Unavailable("the last-mile charge has not arrived yet").WithReason("FREIGHT_PENDING")
			}
			p.done = true
		}
	}
	return nil
}

// warehouse is where the world's parcels leave from.
var warehouse = domain.Address{Recipient: "Warehouse", Country: "CN", City: "Shenzhen", Lines: []string{"1 Dock Road"}}

// payLeg plays a carrier's charge paid from escrow.
func (w *world) payLeg(sub uuid.UUID, amount int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.escrows[sub].balance -= amount
}

// inventoryOf is a world whose only part used is the stock (the cart's
// tests).
func inventoryOf(s stock) app.Inventory {
	w := newWorld()
	for id, n := range s {
		w.stock[id] = n
	}
	return w
}

// asApp finds the apperr error in err's chain.
func asApp(err error, target **apperr.Error) bool { return errors.As(err, target) }
