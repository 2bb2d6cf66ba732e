package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// Carriers choose their leg ids ("<waybill>-n"), so two carriers may
// charge legs with the same ids. Each carrier's leg is recorded, not taken
// for a repeat of the other's, and paid once, under an id finance tells
// apart from the other carrier's (finance pays one leg per id across all
// carriers).
func TestLegsOfTwoCarriersWithTheSameIDsAreEachPaidOnce(t *testing.T) {
	// Two simulators on one seed answer their first booking with the same
	// waybill, and so charge the same leg ids.
	simCfg := carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 29, UnservedCountries: []string{}}
	f := newFixture(t, simCfg, 4)
	other := f.addCarrier(t, simCfg)

	first := f.create(t, f.input(1, "air"))
	in := f.input(1, "air")
	in.MethodID = other.airMethod.ID
	second := f.create(t, in)
	if first.Waybill == "" || first.Waybill != second.Waybill {
		t.Fatalf("waybills %q and %q: the test needs both carriers to answer the same", first.Waybill, second.Waybill)
	}

	f.waitQuiet(t, time.Minute)
	other.waitQuiet(t, time.Minute)
	log := testkit.Logger(t)
	f.catchUp(t)
	if _, err := f.svc.PollCarrier(ctx, other.carrier, 1000, log); err != nil {
		t.Fatal(err)
	}
	f.payAllLegs(t, log)

	var want []string
	for _, l := range f.truth(t, first.Waybill).Legs {
		want = append(want, l.LegID)
	}
	if len(want) == 0 {
		t.Fatal("the carrier charged no leg")
	}
	slices.Sort(want)
	paid := 0
	for _, sh := range []domain.Shipment{first, second} {
		legs, err := f.store.ListLegs(ctx, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range legs {
			got = append(got, l.LegID)
			if l.PaidAt == nil || f.finance.calls[l.PaymentRef] != 1 || f.finance.paid[l.PaymentRef] != l.Amount {
				t.Errorf("carrier %s, leg %s: paid at %v, finance asked %d times under %q, moved %v; want %v paid once",
					sh.CarrierID, l.LegID, l.PaidAt, f.finance.calls[l.PaymentRef], l.PaymentRef, f.finance.paid[l.PaymentRef], l.Amount)
			}
			paid++
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("carrier %s: legs %v recorded, the carrier charged %v", sh.CarrierID, got, want)
		}
	}
	if len(f.finance.paid) != paid || f.finance.conflicts != 0 {
		t.Errorf("finance paid %d legs (%d conflicts); %d were recorded", len(f.finance.paid), f.finance.conflicts, paid)
	}
}
