package domain_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

func TestNewSoldSubOrder(t *testing.T) {
	sku, product := uuid.New(), uuid.New()
	usd := func(n int64) money.Money { return money.MustNew(n, "USD") }
	line := func(n int64, price money.Money) domain.PaidLine {
		return domain.PaidLine{SKUID: sku, ProductID: product, Quantity: n, UnitPrice: price}
	}
	tests := []struct {
		name      string
		channel   string
		lines     []domain.PaidLine
		wantUnits int64
		wantGross int64
		bad       bool
	}{
		{name: "priced per line", channel: "own_store", lines: []domain.PaidLine{line(3, usd(1999))}, wantUnits: 3, wantGross: 5997},
		{name: "a SKU on two lines is one line", channel: "merchant", lines: []domain.PaidLine{line(1, usd(1000)), line(2, usd(900))}, wantUnits: 3, wantGross: 2800},
		{name: "free goods count their units", channel: "own_store", lines: []domain.PaidLine{line(1, usd(0))}, wantUnits: 1},
		{name: "no channel", lines: []domain.PaidLine{line(1, usd(1))}, bad: true},
		{name: "no lines", channel: "own_store", bad: true},
		{name: "no units", channel: "own_store", lines: []domain.PaidLine{line(0, usd(1))}, bad: true},
		{name: "a negative price", channel: "own_store", lines: []domain.PaidLine{line(1, usd(-1))}, bad: true},
		{name: "an unknown currency", channel: "own_store", lines: []domain.PaidLine{line(1, money.Money{Amount: 1, Currency: "ABC"})}, bad: true},
		{name: "a gross past int64", channel: "own_store", lines: []domain.PaidLine{line(3, usd(math.MaxInt64/2))}, bad: true},
		{name: "currencies mixed on a SKU", channel: "own_store", lines: []domain.PaidLine{line(1, usd(1)), line(1, money.MustNew(1, "EUR"))}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := domain.NewSoldSubOrder(uuid.New(), uuid.New(), uuid.New(), tt.channel, at, tt.lines)
			if tt.bad {
				if !errors.Is(err, domain.ErrBadSale) {
					t.Fatalf("error %v, want ErrBadSale", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sale := s.Sale()
			if len(sale) != 1 || sale[0].UnitsSold != tt.wantUnits || sale[0].GrossMinor != tt.wantGross || sale[0].Day != domain.SalesDay(at) ||
				sale[0].Channel != tt.channel || sale[0].NetMinor() != tt.wantGross {
				t.Errorf("sale %+v, want %d units, gross %d", sale, tt.wantUnits, tt.wantGross)
			}
		})
	}
}

// A cancellation refunds what returns have not already given back, and
// nothing for a line returned in full.
func TestCancellationRefundsWhatIsLeft(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	s, err := domain.NewSoldSubOrder(uuid.New(), uuid.New(), uuid.New(), "own_store", at, []domain.PaidLine{
		{SKUID: a, ProductID: uuid.New(), Quantity: 3, UnitPrice: money.MustNew(1000, "USD")},
		{SKUID: b, ProductID: uuid.New(), Quantity: 1, UnitPrice: money.MustNew(500, "USD")},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Lines[0].UnitsRefunded, s.Lines[0].Refunds.Amount = 1, 800
	s.Lines[1].UnitsRefunded, s.Lines[1].Refunds.Amount = 1, 500
	later := at.Add(36 * time.Hour)
	got := s.Cancellation(later)
	if len(got) != 1 || got[0].SKUID != a || got[0].UnitsRefunded != 2 || got[0].RefundsMinor != 2200 || got[0].Day != domain.SalesDay(later) {
		t.Errorf("cancellation %+v, want SKU a's 2 units and 22.00 on the day of the cancellation", got)
	}
}

func TestSalesDayIsTheUTCDate(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	for in, want := range map[time.Time]string{
		time.Date(2026, 3, 3, 7, 59, 0, 0, shanghai):   "2026-03-02",
		time.Date(2026, 3, 3, 8, 0, 0, 0, shanghai):    "2026-03-03",
		time.Date(2026, 3, 2, 23, 59, 59, 0, time.UTC): "2026-03-02",
	} {
		if got := domain.SalesDay(in); got.Format(time.DateOnly) != want || got.Location() != time.UTC {
			t.Errorf("SalesDay(%v) = %v, want %s UTC", in, got, want)
		}
	}
}
