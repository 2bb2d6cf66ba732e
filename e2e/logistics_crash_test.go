package e2e

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
)

// retryUnavailable repeats a call while the service answering it is down
// or restarting, as the calling services do.
func retryUnavailable[T any](t *testing.T, call func(context.Context) (T, error)) T {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		v, err := call(ctx)
		cancel()
		code := status.Code(err)
		if err == nil {
			return v
		}
		if (code != codes.Unavailable && code != codes.DeadlineExceeded && code != codes.Canceled) || time.Now().After(deadline) {
			t.Fatalf("call failed: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Parcels travel while the logistics process is killed with SIGKILL and
// started again: every parcel still arrives, and every leg the carrier
// charged is paid from its sub-order's escrow exactly once — each escrow
// holds what was paid less its legs — and the book balances.
func TestLogisticsSurvivesKillWhilePayingLegs(t *testing.T) {
	const parcels, paid = 16, crashPaid
	k := newLogisticsCrash(t, "127.0.0.38", parcels)
	c, withAuth, escrows, logistics, shipments := k.c, k.withAuth, k.escrows, k.logistics, k.shipments
	restartsBefore := shared.up.restarts("logistics")
	ids := make([]string, parcels)
	for i, req := range shipments {
		ids[i] = retryUnavailable(t, func(ctx context.Context) (*logisticsv1.CreateShipmentResponse, error) {
			return logistics.CreateShipment(withAuth(ctx), req)
		}).GetShipment().GetShipmentId()
	}

	// Kill logistics once the first legs are paid, while the rest travel.
	get := func(id string) *logisticsv1.Shipment {
		return retryUnavailable(t, func(ctx context.Context) (*logisticsv1.GetShipmentResponse, error) {
			return logistics.GetShipment(withAuth(ctx), &logisticsv1.GetShipmentRequest{ShipmentId: id})
		}).GetShipment()
	}
	for deadline := time.Now().Add(time.Minute); ; {
		paidLegs := 0
		for _, l := range get(ids[0]).GetLegs() {
			if l.GetPaidAt() != nil {
				paidLegs++
			}
		}
		if paidLegs > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no leg was ever paid")
		}
		time.Sleep(200 * time.Millisecond)
	}
	pid, err := killProcess(filepath.Join(shared.dir, "bin", "logistics"))
	if err != nil {
		t.Fatalf("kill logistics: %v", err)
	}
	t.Logf("killed logistics (pid %d)", pid)

	// Every parcel arrives and every leg ends paid; each escrow holds what
	// was paid less its legs, exactly once.
	var wg sync.WaitGroup
	freights, currencies := make([]int64, len(ids)), make([]string, len(ids))
	for i, id := range ids {
		wg.Go(func() {
			for deadline := time.Now().Add(3 * time.Minute); ; {
				sh := get(id)
				legs, unpaid := sh.GetLegs(), 0
				var freight int64
				for _, l := range legs {
					freight += l.GetAmount().GetAmountMinor()
					currencies[i] = l.GetAmount().GetCurrencyCode()
					if l.GetPaidAt() == nil {
						unpaid++
					}
				}
				freights[i] = freight
				if sh.GetStatus() == logisticsv1.ShipmentStatus_SHIPMENT_STATUS_DELIVERED && len(legs) >= 2 && unpaid == 0 {
					escrow := retryUnavailable(t, func(ctx context.Context) (*financev1.GetSubOrderEscrowResponse, error) {
						return escrows.GetSubOrderEscrow(withAuth(ctx), &financev1.GetSubOrderEscrowRequest{SubOrderId: shipments[i].GetSubOrderId()})
					})
					if got := escrow.GetEscrow().GetBalance().GetAmountMinor(); got != paid-freight {
						t.Errorf("parcel %d: escrow holds %d, want %d paid less %d of legs", i, got, paid, freight)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Errorf("parcel %d never ended delivered with every leg paid: %v", i, sh)
					return
				}
				time.Sleep(500 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	// The legs are the carrier's charges, each once: the escrow check above
	// would pass with a charge recorded and paid twice (or never), the legs
	// and the escrow moving together.
	charged, chargedIn := map[string]map[string]int64{}, map[string]string{}
	for _, e := range newCarrierSimClient(t, shared.offset).events(t) {
		if e.Type != "charge" || e.Charge == nil {
			continue
		}
		if charged[e.Reference] == nil {
			charged[e.Reference] = map[string]int64{}
		}
		charged[e.Reference][e.Charge.LegID] = e.Charge.Amount
		chargedIn[e.Reference] = e.Charge.Currency
	}
	for i, id := range ids {
		var total int64
		for _, amount := range charged[id] {
			total += amount
		}
		if total != freights[i] || (total > 0 && chargedIn[id] != currencies[i]) {
			t.Errorf("parcel %d: legs of %d %s paid, the carrier charged %d %s", i, freights[i], currencies[i], total, chargedIn[id])
		}
	}
	if shared.up.restarts("logistics") <= restartsBefore {
		t.Errorf("crossdock up did not report restarting logistics:\n%s", shared.up.output(40))
	}
	bookBalances(t, c)
}
