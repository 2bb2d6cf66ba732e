package domain_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

var (
	skuA = uuid.MustParse("00000000-0000-0000-0000-00000000000a")
	skuB = uuid.MustParse("00000000-0000-0000-0000-00000000000b")
	w1   = uuid.MustParse("00000000-0000-0000-0000-000000000001")
	w2   = uuid.MustParse("00000000-0000-0000-0000-000000000002")
	w3   = uuid.MustParse("00000000-0000-0000-0000-000000000003")
)

func lvl(sku, w uuid.UUID, onHand, reserved int64) *domain.Level {
	return &domain.Level{StockKey: domain.StockKey{SKUID: sku, WarehouseID: w}, OnHand: onHand, Reserved: reserved}
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name   string
		lines  []domain.OrderLine
		levels []*domain.Level
		want   map[domain.StockKey]int64 // nil: insufficient
	}{
		{"one warehouse", []domain.OrderLine{{skuA, 3}}, []*domain.Level{lvl(skuA, w1, 5, 0)},
			map[domain.StockKey]int64{{skuA, w1}: 3}},
		{"most available first", []domain.OrderLine{{skuA, 3}}, []*domain.Level{lvl(skuA, w1, 5, 0), lvl(skuA, w2, 9, 3)},
			map[domain.StockKey]int64{{skuA, w2}: 3}},
		{"split across warehouses", []domain.OrderLine{{skuA, 8}}, []*domain.Level{lvl(skuA, w1, 5, 0), lvl(skuA, w2, 4, 0), lvl(skuA, w3, 1, 0)},
			map[domain.StockKey]int64{{skuA, w1}: 5, {skuA, w2}: 3}},
		{"ties by warehouse id", []domain.OrderLine{{skuA, 2}}, []*domain.Level{lvl(skuA, w2, 2, 0), lvl(skuA, w1, 2, 0)},
			map[domain.StockKey]int64{{skuA, w1}: 2}},
		{"reserved stock is not available", []domain.OrderLine{{skuA, 2}}, []*domain.Level{lvl(skuA, w1, 5, 4)}, nil},
		{"no stock rows", []domain.OrderLine{{skuA, 1}}, nil, nil},
		{"two SKUs", []domain.OrderLine{{skuA, 1}, {skuB, 2}}, []*domain.Level{lvl(skuA, w1, 1, 0), lvl(skuB, w1, 2, 0)},
			map[domain.StockKey]int64{{skuA, w1}: 1, {skuB, w1}: 2}},
		{"all or nothing", []domain.OrderLine{{skuA, 1}, {skuB, 3}}, []*domain.Level{lvl(skuA, w1, 1, 0), lvl(skuB, w1, 2, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := make([]domain.Level, len(tt.levels))
			for i, l := range tt.levels {
				before[i] = *l
			}
			lines, moves, err := domain.Allocate(tt.lines, tt.levels)
			if tt.want == nil {
				if !errors.Is(err, domain.ErrInsufficientStock) {
					t.Fatalf("err = %v, want insufficient stock", err)
				}
				for i, l := range tt.levels {
					if *l != before[i] {
						t.Errorf("level %d changed on failure: %+v", i, *l)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[domain.StockKey]int64{}
			for _, l := range lines {
				got[l.StockKey] = l.Quantity
			}
			if len(got) != len(tt.want) || len(moves) != len(lines) {
				t.Fatalf("lines = %v (moves %d), want %v", got, len(moves), tt.want)
			}
			for k, q := range tt.want {
				if got[k] != q {
					t.Errorf("%v = %d, want %d", k, got[k], q)
				}
			}
			for _, m := range moves {
				if m.Kind != domain.MoveReservation || m.OnHandDelta != 0 || m.ReservedDelta != tt.want[m.After.StockKey] {
					t.Errorf("movement = %+v", m)
				}
			}
		})
	}
}

// Whatever the levels and requests, allocation never leaves a level with
// more reserved than on hand, and reserves exactly what was asked or nothing.
func TestAllocateNeverOversells(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		var levels []*domain.Level
		for _, s := range []uuid.UUID{skuA, skuB} {
			for _, w := range []uuid.UUID{w1, w2, w3} {
				if rng.IntN(3) > 0 {
					on := rng.Int64N(10)
					levels = append(levels, lvl(s, w, on, rng.Int64N(on+1)))
				}
			}
		}
		lines, err := domain.CombineLines("lines", []domain.OrderLine{{skuA, 1 + rng.Int64N(8)}, {skuB, 1 + rng.Int64N(8)}, {skuA, 1 + rng.Int64N(3)}})
		if err != nil {
			t.Fatal(err)
		}
		reservedBefore := int64(0)
		for _, l := range levels {
			reservedBefore += l.Reserved
		}
		got, _, err := domain.Allocate(lines, levels)
		total := int64(0)
		for _, l := range got {
			total += l.Quantity
		}
		reservedAfter := int64(0)
		for _, l := range levels {
			if l.Reserved > l.OnHand || l.Reserved < 0 {
				t.Fatalf("oversold: %+v", *l)
			}
			reservedAfter += l.Reserved
		}
		want := lines[0].Quantity + lines[1].Quantity
		if err == nil && (total != want || reservedAfter-reservedBefore != want) ||
			err != nil && (total != 0 || reservedAfter != reservedBefore) {
			t.Fatalf("err %v: reserved %d (levels +%d), asked %d", err, total, reservedAfter-reservedBefore, want)
		}
	}
}

func TestLevelMovements(t *testing.T) {
	l := lvl(skuA, w1, 5, 0)
	l.LowStockThreshold = 2
	if _, err := l.Reserve(4); err != nil {
		t.Fatal(err)
	}
	if !l.IsLow() || l.Available() != 1 {
		t.Errorf("level = %+v", *l)
	}
	if _, err := l.Adjust(-2); !errors.Is(err, domain.ErrBelowReserved) {
		t.Errorf("adjust below reserved: %v", err)
	}
	if _, changed, err := l.SetOnHand(3); !errors.Is(err, domain.ErrBelowReserved) || changed {
		t.Errorf("set below reserved: %v", err)
	}
	m, err := l.Ship(4)
	if err != nil || l.OnHand != 1 || l.Reserved != 0 || m.OnHandDelta != -4 || m.ReservedDelta != -4 || !m.WasLow {
		t.Errorf("ship = %+v, %v; level %+v", m, err, *l)
	}
	if _, err := l.Unreserve(domain.MoveRelease, 1); !errors.Is(err, domain.ErrReservedNegative) {
		t.Errorf("release of nothing held: %v", err)
	}
	if _, changed, err := l.SetOnHand(1); changed || err != nil {
		t.Errorf("same level: changed %v, %v", changed, err)
	}
	m, err = l.Receive(9)
	if err != nil || m.After.OnHand != 10 || m.BecameLow() {
		t.Errorf("receive = %+v, %v", m, err)
	}
}

func TestReservationLifecycle(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	req, err := domain.NewReserveRequest(" o-1 ", []domain.OrderLine{{skuB, 1}, {skuA, 2}, {skuB, 3}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if req.OrderID != "o-1" || len(req.Lines) != 2 || req.Lines[0] != (domain.OrderLine{skuA, 2}) || req.Lines[1] != (domain.OrderLine{skuB, 4}) {
		t.Fatalf("request = %+v", req)
	}
	r := domain.NewReservation(req, time.Hour, "orders", now)
	if !r.SameRequest([]domain.OrderLine{{skuA, 2}, {skuB, 4}}) || r.SameRequest([]domain.OrderLine{{skuA, 2}}) {
		t.Error("SameRequest")
	}
	if r.Expire("inventory", now.Add(59*time.Minute)) {
		t.Error("expired before due")
	}
	if !r.Extend(2*time.Hour, now) || r.Extend(time.Minute, now) {
		t.Error("extend")
	}
	if changed, err := r.Commit("orders", now); !changed || err != nil || r.Status != domain.ReservationCommitted {
		t.Fatalf("commit: %v %v", changed, err)
	}
	if changed, err := r.Commit("orders", now); changed || err != nil {
		t.Errorf("commit again: %v %v", changed, err)
	}
	if _, err := r.Release("orders", "", now); !errors.Is(err, domain.ErrReservationCommitted) {
		t.Errorf("release after commit: %v", err)
	}
	if r.Expire("inventory", now.Add(3*time.Hour)) || r.Extend(time.Hour, now) {
		t.Error("a committed reservation expired or extended")
	}

	r2 := domain.NewReservation(req, time.Minute, "orders", now)
	if !r2.Expire("inventory", now.Add(time.Minute)) || r2.Status != domain.ReservationExpired {
		t.Fatal("expire when due")
	}
	if _, err := r2.Commit("orders", now); !errors.Is(err, domain.ErrReservationExpired) {
		t.Errorf("commit after expiry: %v", err)
	}
	if changed, err := r2.Release("orders", "", now); changed || err != nil {
		t.Errorf("release after expiry: %v %v", changed, err)
	}
}

func TestPurchaseOrderReceive(t *testing.T) {
	now := time.Now()
	w := domain.Warehouse{ID: w1, Kind: domain.WarehouseSupplier, SupplierID: uuid.New()}
	po, err := domain.NewPurchaseOrder(w, []domain.OrderLine{{skuA, 5}, {skuB, 2}}, "PO", "u", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := po.Receive([]domain.OrderLine{{skuA, 5}}, now); err != nil || po.Status != domain.POPartiallyReceived {
		t.Fatalf("partial: %v %s", err, po.Status)
	}
	if err := po.Receive([]domain.OrderLine{{skuB, 3}}, now); err == nil {
		t.Fatal("over-receipt accepted")
	}
	if err := po.Receive([]domain.OrderLine{{skuB, 2}}, now); err != nil || po.Status != domain.POReceived {
		t.Fatalf("full: %v %s", err, po.Status)
	}
	if err := po.Receive([]domain.OrderLine{{skuB, 1}}, now); !errors.Is(err, domain.ErrPurchaseOrderClosed) {
		t.Errorf("receive when closed: %v", err)
	}
	if _, err := po.Cancel("", now); !errors.Is(err, domain.ErrPurchaseOrderReceived) {
		t.Errorf("cancel when received: %v", err)
	}
}
