package postgres_test

import (
	"context"
	"testing"
	"time"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	escrowdom "github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// A waiting claw-back is recorded once, with its event: the same refund id
// again is a no-op, with another sub-order or amount AlreadyExists (before,
// it was a no-op too, and the caller was told its refund waited).
func TestSaveWaitingRefundComparesTheRefund(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	store := postgres.New(pool)
	now := time.Now().UTC().Truncate(time.Microsecond)
	var rs []escrowdom.Record
	for _, sub := range []string{"s-1", "s-2"} {
		rs = append(rs, escrowdom.Record{Paid: escrowdom.Paid{SubOrderID: sub, OrderID: "o-1", BuyerID: "b-1", BuyerCurrency: "USD", SupplierOrgID: "org-1", SupplierCurrency: "USD"},
			PaidMinor: 10000, Escrowed: 10000, State: escrowdom.StateHeld, CreatedAt: now})
	}
	if err := store.InsertEscrows(ctx, rs); err != nil {
		t.Fatal(err)
	}
	w := escrowdom.WaitingRefund{RefundID: "r-1", SubOrderID: "s-1", Amount: 500, CreatedAt: now}
	event := outbox.Message{Subject: "finance.escrow.refund_waiting", Payload: &financev1.RefundWaiting{RefundId: "r-1"}}
	tests := []struct {
		name   string
		change func(*escrowdom.WaitingRefund)
		reused bool
	}{
		{"first", func(*escrowdom.WaitingRefund) {}, false},
		{"again", func(*escrowdom.WaitingRefund) {}, false},
		{"another sub-order", func(w *escrowdom.WaitingRefund) { w.SubOrderID = "s-2" }, true},
		{"another amount", func(w *escrowdom.WaitingRefund) { w.Amount = 501 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := w
			tt.change(&in)
			err := store.SaveWaitingRefund(ctx, in, event)
			if tt.reused != apperr.IsKind(err, apperr.KindAlreadyExists) || (!tt.reused && err != nil) {
				t.Fatalf("err = %v, want AlreadyExists: %v", err, tt.reused)
			}
		})
	}
	var rows, events int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM waiting_refunds), (SELECT count(*) FROM outbox)`).Scan(&rows, &events); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || events != 1 {
		t.Errorf("%d rows and %d events, want 1 each", rows, events)
	}
}
