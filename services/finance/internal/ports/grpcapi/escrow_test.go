package grpcapi_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// The escrow commands over the wire: services pay and settle, everyone else
// is refused before anything moves; a buyer reads only the escrow it paid.

// supplierOrg is the supplier organization of these tests.
const supplierOrg = "6f0c8a52-3f0e-4d56-9a57-2b1d3c4e5f60"

func TestEscrowOverTheWire(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	store, book := postgres.New(pool), postgres.NewLedger(pool)
	key, keys := testkit.SigningKey(t)
	conn := testkit.ServeAPI(t, "finance", keys, grpcapi.PublicMethods, func(g grpc.ServiceRegistrar) {
		grpcapi.NewEscrows(app.NewEscrows(app.New(store), book, store, 500)).Register(g)
	})
	c := financev1.NewEscrowServiceClient(conn)
	service := as(t, key, auth.KindService, auth.RoleService)
	admin := as(t, key, auth.KindUser, auth.RoleAdmin)
	supplier := as(t, key, auth.KindUser, auth.RoleSupplier)
	buyer := testkit.As(t, key, auth.Caller{Subject: "buyer-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}})
	if _, err := book.Execute(context.Background(), ledger.Command{IdempotencyKey: "fund", Transfers: []ledger.TransferSpec{{
		Debit:  ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: "USD"},
		Credit: escrow.BuyerWallet("buyer-1", "USD"), Amount: 10000, Currency: "USD", Code: ledger.CodeTopUp, Reference: "fund", Phase: ledger.PhasePosted,
	}}}); err != nil {
		t.Fatal(err)
	}
	usd := func(n int64) *commonv1.Money { return &commonv1.Money{CurrencyCode: "USD", AmountMinor: n} }
	pay := &financev1.PayCheckoutRequest{OrderId: "o-1", BuyerId: "buyer-1", BuyerCurrency: "USD",
		SubOrders: []*financev1.CheckoutShare{{SubOrderId: "s-1", SupplierOrgId: supplierOrg, Amount: usd(6000)}}}

	refusals := []struct {
		name string
		call func(context.Context) error
	}{
		{"PayCheckout", func(ctx context.Context) error { _, err := c.PayCheckout(ctx, pay); return err }},
		{"PayFreightLeg", func(ctx context.Context) error {
			_, err := c.PayFreightLeg(ctx, &financev1.PayFreightLegRequest{SubOrderId: "s-1", LegId: "l-1", CarrierId: "c-1", Amount: usd(1)})
			return err
		}},
		{"SettleSubOrder", func(ctx context.Context) error {
			_, err := c.SettleSubOrder(ctx, &financev1.SettleSubOrderRequest{SubOrderId: "s-1", Goods: usd(1)})
			return err
		}},
		{"RefundSubOrder", func(ctx context.Context) error {
			_, err := c.RefundSubOrder(ctx, &financev1.RefundSubOrderRequest{SubOrderId: "s-1", RefundId: "r-1", Amount: usd(1)})
			return err
		}},
		{"FundCoupon", func(ctx context.Context) error {
			_, err := c.FundCoupon(ctx, &financev1.FundCouponRequest{SubOrderId: "s-1", CouponId: "cp-1", Amount: usd(1)})
			return err
		}},
		{"ReclaimCoupon", func(ctx context.Context) error {
			_, err := c.ReclaimCoupon(ctx, &financev1.ReclaimCouponRequest{SubOrderId: "s-1", CouponId: "cp-1", ReclaimId: "rc-1", Amount: usd(1)})
			return err
		}},
		{"CreditPartnerSettlement", func(ctx context.Context) error {
			_, err := c.CreditPartnerSettlement(ctx, &financev1.CreditPartnerSettlementRequest{PartnerId: "p", LineId: "l", SupplierOrgId: supplierOrg, Gross: usd(100)})
			return err
		}},
		{"RecordPartnerWithdrawal", func(ctx context.Context) error {
			_, err := c.RecordPartnerWithdrawal(ctx, &financev1.RecordPartnerWithdrawalRequest{PartnerId: "p", WithdrawalId: "w", Amount: usd(1)})
			return err
		}},
	}
	for _, r := range refusals {
		for who, ctx := range map[string]context.Context{"buyer": buyer, "supplier": supplier, "admin": admin} {
			if err := r.call(ctx); status.Code(err) != codes.PermissionDenied {
				t.Errorf("%s as %s: %v, want PermissionDenied", r.name, who, err)
			}
		}
		if err := r.call(context.Background()); status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s anonymous: %v", r.name, err)
		}
	}

	paid, err := c.PayCheckout(service, pay)
	if err != nil || paid.GetTotal().GetAmountMinor() != 6000 || paid.GetReplayed() {
		t.Fatalf("pay = %v, %v", paid, err)
	}
	again, err := c.PayCheckout(service, pay)
	if err != nil || !again.GetReplayed() {
		t.Errorf("retry = %v, %v", again, err)
	}
	short := &financev1.PayCheckoutRequest{OrderId: "o-2", BuyerId: "buyer-1", BuyerCurrency: "USD",
		SubOrders: []*financev1.CheckoutShare{{SubOrderId: "s-2", SupplierOrgId: supplierOrg, Amount: usd(5000)}}}
	if _, err := c.PayCheckout(service, short); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("short wallet: %v", err)
	}
	if _, err := c.SettleSubOrder(service, &financev1.SettleSubOrderRequest{SubOrderId: "s-1", Goods: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 1}}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("goods in another currency: %v", err)
	}
	settled, err := c.SettleSubOrder(service, &financev1.SettleSubOrderRequest{SubOrderId: "s-1", Goods: usd(5000)})
	if err != nil || settled.GetEscrow().GetState() != "settled" || settled.GetEscrow().GetSupplierNet().GetAmountMinor() != 4750 ||
		settled.GetEscrow().GetRefunded().GetAmountMinor() != 1000 {
		t.Errorf("settle = %v, %v", settled, err)
	}
	got, err := c.GetSubOrderEscrow(buyer, &financev1.GetSubOrderEscrowRequest{SubOrderId: "s-1"})
	if err != nil || got.GetEscrow().GetBalance().GetAmountMinor() != 0 || got.GetEscrow().GetState() != "settled" {
		t.Errorf("buyer reads = %v, %v", got, err)
	}
	if _, err := c.GetSubOrderEscrow(supplier, &financev1.GetSubOrderEscrowRequest{SubOrderId: "s-1"}); status.Code(err) != codes.NotFound {
		t.Errorf("someone else reads: %v", err)
	}
	if _, err := c.SetCommissionRate(supplier, &financev1.SetCommissionRateRequest{SupplierOrgId: supplierOrg, CommissionBps: 0}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("supplier sets its commission: %v", err)
	}
	if _, err := c.SetCommissionRate(admin, &financev1.SetCommissionRateRequest{SupplierOrgId: supplierOrg, CommissionBps: 300}); err != nil {
		t.Errorf("admin sets a commission: %v", err)
	}

	// A partner line leaves what the partner owes us (gross less its fees)
	// in the virtual account; withdrawals take it out, never more.
	if _, err := c.CreditPartnerSettlement(service, &financev1.CreditPartnerSettlementRequest{PartnerId: "p-1", LineId: "l-1", SupplierOrgId: supplierOrg, Gross: usd(1000), FeesMinor: 100}); err != nil {
		t.Fatal(err)
	}
	withdraw := func(id string, n int64) (*financev1.RecordPartnerWithdrawalResponse, error) {
		return c.RecordPartnerWithdrawal(service, &financev1.RecordPartnerWithdrawalRequest{PartnerId: "p-1", WithdrawalId: id, Amount: usd(n)})
	}
	if w, err := withdraw("w-1", 600); err != nil || w.GetReplayed() || w.GetTransferId() == "" {
		t.Errorf("withdraw = %v, %v", w, err)
	}
	if w, err := withdraw("w-1", 600); err != nil || !w.GetReplayed() {
		t.Errorf("withdraw again = %v, %v", w, err)
	}
	if _, err := withdraw("w-1", 601); status.Code(err) != codes.AlreadyExists {
		t.Errorf("same withdrawal id, other amount: %v", err)
	}
	if _, err := withdraw("w-2", 301); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("withdraw more than held: %v", err)
	}
	if _, err := withdraw("w-3", 0); status.Code(err) != codes.InvalidArgument {
		t.Errorf("withdraw nothing: %v", err)
	}
	if w, err := withdraw("w-2", 300); err != nil || w.GetReplayed() {
		t.Errorf("withdraw the rest = %v, %v", w, err)
	}

	// A carrier's payment: an admin's, of what its payable holds.
	if _, err := c.PayFreightLeg(service, &financev1.PayFreightLegRequest{SubOrderId: "p-sub", LegId: "l-9", CarrierId: "c-1", Amount: usd(800),
		FromPlatform: true}); err != nil {
		t.Fatal(err)
	}
	payCarrier := func(ctx context.Context, id string, amount int64) (*financev1.RecordCarrierPaymentResponse, error) {
		return c.RecordCarrierPayment(ctx, &financev1.RecordCarrierPaymentRequest{CarrierId: "c-1", PaymentId: id, Amount: usd(amount), Note: "November"})
	}
	for who, ctx := range map[string]context.Context{"a service": service, "a supplier": supplier, "a buyer": buyer} {
		if _, err := payCarrier(ctx, "cp-1", 500); status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s paid a carrier: %v", who, err)
		}
	}
	if _, err := payCarrier(admin, "cp-1", 801); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("paid a carrier more than owed: %v", err)
	}
	if _, err := payCarrier(admin, "", 500); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a carrier payment without an id: %v", err)
	}
	if p, err := payCarrier(admin, "cp-1", 500); err != nil || p.GetReplayed() || p.GetTransferId() == "" {
		t.Errorf("pay a carrier = %v, %v", p, err)
	}
	if p, err := payCarrier(admin, "cp-1", 500); err != nil || !p.GetReplayed() {
		t.Errorf("pay a carrier again = %v, %v", p, err)
	}
}
