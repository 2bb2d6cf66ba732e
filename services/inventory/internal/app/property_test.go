package app_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// modelLevel and modelReservation are what the property test expects the
// service to hold, computed independently from its answers.
type modelLevel struct{ onHand, reserved int64 }

type modelReservation struct {
	status    domain.ReservationStatus
	lines     []domain.ReservationLine
	expiresAt time.Time
}

type model struct {
	levels map[domain.StockKey]*modelLevel
	res    map[string]*modelReservation
	orders []string
}

func (m *model) level(k domain.StockKey) *modelLevel {
	if m.levels[k] == nil {
		m.levels[k] = &modelLevel{}
	}
	return m.levels[k]
}

// available sums what a SKU has available over every warehouse.
func (m *model) available(sku uuid.UUID) int64 {
	var n int64
	for k, l := range m.levels {
		if k.SKUID == sku {
			n += l.onHand - l.reserved
		}
	}
	return n
}

// endReservation gives a reservation's stock back (release, expiry) or ships
// it (commit).
func (m *model) endReservation(r *modelReservation, status domain.ReservationStatus) {
	for _, l := range r.lines {
		lv := m.level(l.StockKey)
		lv.reserved -= l.Quantity
		if status == domain.ReservationCommitted {
			lv.onHand -= l.Quantity
		}
	}
	r.status = status
}

// Random sequences of reserve, commit, release, expire, ERP sync, adjustment
// and purchase order receipts. After every step: on hand ≥ 0, available ≥ 0,
// the journal adds up to the levels, reserved equals the active reservation
// lines, every outcome is the one the model predicts, and the levels and
// statuses are the model's. Set INVENTORY_PROPERTY_SEED to replay a run and
// INVENTORY_PROPERTY_STEPS to run longer.
func TestPropertyRandomSequencesKeepTheBooks(t *testing.T) {
	seed := rand.Uint64()
	if s := os.Getenv("INVENTORY_PROPERTY_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	steps := 300
	if s := os.Getenv("INVENTORY_PROPERTY_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay with INVENTORY_PROPERTY_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	f := newFixture(t, 4)
	sup := supplier()
	codes := []string{"P-1", "P-2", "P-3"}
	skus := make([]uuid.UUID, len(codes))
	for i, c := range codes {
		skus[i] = f.sku(t, sup, c)
	}
	whs := []domain.Warehouse{f.warehouse(t, sup), f.warehouse(t, sup), f.warehouse(t, admin)}
	owner := func(w domain.Warehouse) auth.Caller {
		if w.Kind == domain.WarehouseCentral {
			return admin
		}
		return sup
	}
	m := &model{levels: map[domain.StockKey]*modelLevel{}, res: map[string]*modelReservation{}}
	now := func() time.Time { return f.clock.Now().UTC().Truncate(time.Microsecond) }

	for step := range steps {
		var desc string
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d, step %d (%s): %s", seed, step, desc, fmt.Sprintf(format, args...))
		}
		switch op := rng.IntN(8); op {
		case 0, 1: // reserve
			order := fmt.Sprintf("order-%d", step)
			var lines []domain.OrderLine
			need := map[uuid.UUID]int64{}
			for range 1 + rng.IntN(3) {
				l := line(skus[rng.IntN(len(skus))], 1+rng.Int64N(6))
				lines = append(lines, l)
				need[l.SKUID] += l.Quantity
			}
			ttl := time.Duration(1+rng.IntN(10)) * time.Minute
			desc = fmt.Sprintf("reserve %s %v ttl %v", order, lines, ttl)
			fits := true
			for sku, q := range need {
				fits = fits && m.available(sku) >= q
			}
			res, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: order, Lines: lines, TTL: ttl})
			switch {
			case fits && err != nil:
				fail("refused although stock suffices: %v", err)
			case !fits && !errors.Is(err, domain.ErrInsufficientStock):
				fail("want insufficient stock, got %v", err)
			case fits:
				got := map[uuid.UUID]int64{}
				for _, l := range res.Lines {
					lv := m.level(l.StockKey)
					if l.Quantity > lv.onHand-lv.reserved {
						fail("line %v takes more than the %d available there", l, lv.onHand-lv.reserved)
					}
					lv.reserved += l.Quantity
					got[l.SKUID] += l.Quantity
				}
				for sku, q := range need {
					if got[sku] != q {
						fail("reserved %d of %s, want %d", got[sku], sku, q)
					}
				}
				m.res[order] = &modelReservation{status: domain.ReservationActive, lines: res.Lines, expiresAt: res.ExpiresAt}
				m.orders = append(m.orders, order)
			}
		case 2, 3: // commit or release a known order
			if len(m.orders) == 0 {
				continue
			}
			order := m.orders[rng.IntN(len(m.orders))]
			r := m.res[order]
			if op == 2 {
				desc = "commit " + order + " (" + string(r.status) + ")"
				_, err := f.svc.Commit(ctx, orders, order, time.Time{})
				switch r.status {
				case domain.ReservationActive:
					if err != nil {
						fail("%v", err)
					}
					m.endReservation(r, domain.ReservationCommitted)
				case domain.ReservationCommitted:
					if err != nil {
						fail("repeat commit: %v", err)
					}
				default:
					wantKindOr(t, err, apperr.KindFailedPrecondition, fail)
				}
			} else {
				desc = "release " + order + " (" + string(r.status) + ")"
				_, err := f.svc.Release(ctx, orders, order, "cancelled")
				switch r.status {
				case domain.ReservationActive:
					if err != nil {
						fail("%v", err)
					}
					m.endReservation(r, domain.ReservationReleased)
				case domain.ReservationCommitted:
					wantKindOr(t, err, apperr.KindFailedPrecondition, fail)
				default:
					if err != nil {
						fail("release of a finished reservation: %v", err)
					}
				}
			}
		case 4: // time passes; the sweeper runs
			d := time.Duration(rng.IntN(6)) * time.Minute
			desc = fmt.Sprintf("advance %v and sweep", d)
			f.clock.Advance(d)
			due := 0
			for _, r := range m.res {
				if r.status == domain.ReservationActive && !r.expiresAt.After(now()) {
					m.endReservation(r, domain.ReservationExpired)
					due++
				}
			}
			n, err := f.svc.ExpireDue(ctx, 1000)
			if err != nil || n != due {
				fail("expired %d, %v; want %d", n, err, due)
			}
		case 5: // ERP sync of one supplier warehouse
			w := whs[rng.IntN(2)]
			var lines []domain.SyncLine
			for _, i := range rng.Perm(len(codes))[:1+rng.IntN(len(codes))] {
				lines = append(lines, domain.SyncLine{Code: codes[i], OnHand: rng.Int64N(25)})
			}
			if rng.IntN(4) == 0 {
				lines = append(lines, domain.SyncLine{Code: "NOPE", OnHand: 1})
			}
			desc = fmt.Sprintf("sync %v", lines)
			results, err := f.svc.SyncStock(ctx, sup, app.SyncInput{SyncID: fmt.Sprintf("sync-%d", step), WarehouseID: w.ID, Lines: lines})
			if err != nil {
				fail("%v", err)
			}
			for i, l := range lines {
				want := domain.SyncRejected
				if l.Code != "NOPE" {
					lv := m.level(domain.StockKey{SKUID: skus[indexOf(codes, l.Code)], WarehouseID: w.ID})
					switch {
					case l.OnHand < lv.reserved:
					case l.OnHand == lv.onHand:
						want = domain.SyncUnchanged
					default:
						want = domain.SyncApplied
						lv.onHand = l.OnHand
					}
				}
				if results[i].Status != want {
					fail("line %d: %+v, want %s", i, results[i], want)
				}
			}
		case 6: // adjustment
			w, sku := whs[rng.IntN(len(whs))], skus[rng.IntN(len(skus))]
			delta := rng.Int64N(31) - 15
			if delta == 0 {
				delta = 1
			}
			desc = fmt.Sprintf("adjust %s in %s by %d", sku, w.ID, delta)
			lv := m.level(domain.StockKey{SKUID: sku, WarehouseID: w.ID})
			_, err := f.svc.AdjustStock(ctx, owner(w), app.AdjustInput{WarehouseID: w.ID, SKUID: sku, Delta: delta, Reason: "count", IdempotencyKey: uuid.NewString()})
			if lv.onHand+delta >= lv.reserved {
				if err != nil {
					fail("%v", err)
				}
				lv.onHand += delta
			} else if !errors.Is(err, domain.ErrBelowReserved) {
				fail("want below reserved, got %v", err)
			}
		case 7: // a purchase order arrives, partly
			w, sku := whs[rng.IntN(len(whs))], skus[rng.IntN(len(skus))]
			ordered := 1 + rng.Int64N(20)
			received := 1 + rng.Int64N(ordered)
			desc = fmt.Sprintf("purchase order of %d, %d received", ordered, received)
			po, err := f.svc.CreatePurchaseOrder(ctx, owner(w), app.PurchaseOrderInput{WarehouseID: w.ID, Lines: []domain.OrderLine{line(sku, ordered)}})
			if err != nil {
				fail("%v", err)
			}
			if _, err := f.svc.ReceivePurchaseOrder(ctx, owner(w), po.ID, "r1", []domain.OrderLine{line(sku, received)}); err != nil {
				fail("%v", err)
			}
			m.level(domain.StockKey{SKUID: sku, WarehouseID: w.ID}).onHand += received
		}

		if err := f.invariants(); err != nil {
			fail("invariants: %v", err)
		}
		f.compareModel(t, m, fail)
	}
}

// compareModel checks the stored levels and statuses against the model.
func (f *fixture) compareModel(t *testing.T, m *model, fail func(string, ...any)) {
	t.Helper()
	rows, err := f.pool.Query(ctx, "SELECT sku_id, warehouse_id, on_hand, reserved FROM stock")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[domain.StockKey]bool{}
	for rows.Next() {
		var k domain.StockKey
		var on, res int64
		if err := rows.Scan(&k.SKUID, &k.WarehouseID, &on, &res); err != nil {
			t.Fatal(err)
		}
		seen[k] = true
		if lv := m.level(k); lv.onHand != on || lv.reserved != res {
			fail("level %v = %d/%d, model %d/%d", k, on, res, lv.onHand, lv.reserved)
		}
	}
	for k, lv := range m.levels {
		if !seen[k] && (lv.onHand != 0 || lv.reserved != 0) {
			fail("level %v missing, model %+v", k, *lv)
		}
	}
	rows, err = f.pool.Query(ctx, "SELECT order_id, status FROM reservations")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var order, status string
		if err := rows.Scan(&order, &status); err != nil {
			t.Fatal(err)
		}
		if r := m.res[order]; r == nil || string(r.status) != status {
			fail("reservation %s is %s, model %+v", order, status, r)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func wantKindOr(t *testing.T, err error, k apperr.Kind, fail func(string, ...any)) {
	t.Helper()
	if apperr.KindOf(err) != k {
		fail("error = %v, want %v", err, k)
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
