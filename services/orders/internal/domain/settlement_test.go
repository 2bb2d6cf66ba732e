package domain_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// A return refunded before settlement takes back its goods and its share of
// the discount: the supplier is settled on the goods kept (less their
// discount when it funds it), and a platform funds only the discount on the
// goods kept. Escrow then holds exactly what settlement pays out.
func TestSettlementAfterAReturn(t *testing.T) {
	sku := uuid.New()
	for _, tt := range []struct {
		name             string
		funder           domain.Funder
		discount         int64
		returned         []domain.AfterSale
		goods, platform  int64
		returnedDiscount int64
	}{
		{"platform-funded, nothing returned", domain.FundedByPlatform, 273, nil, 3600, 273, 0},
		{"platform-funded, one of two returned", domain.FundedByPlatform, 273, []domain.AfterSale{refunded(sku, 1, 1664, false)}, 1800, 137, 136},
		{"platform-funded, both returned", domain.FundedByPlatform, 273, []domain.AfterSale{refunded(sku, 2, 3327, false)}, 0, 0, 273},
		{"supplier-funded, one of two returned", domain.FundedBySupplier, 273, []domain.AfterSale{refunded(sku, 1, 1664, false)}, 1800 - 137, 0, 136},
		{"platform-funded, clawed back after settlement", domain.FundedByPlatform, 273, []domain.AfterSale{refunded(sku, 1, 1664, true)}, 3600, 273, 0},
		{"no discount, one returned", "", 0, []domain.AfterSale{refunded(sku, 1, 1800, false)}, 1800, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sub := domain.SubOrder{ID: subID, Goods: money.MustNew(3600, "USD"), Discount: tt.discount, DiscountFundedBy: tt.funder,
				Lines: []domain.OrderLine{{SKUID: sku, Quantity: 2, UnitPrice: money.MustNew(1800, "USD")}}}
			for _, a := range tt.returned {
				if !a.ClawBack {
					sub.Refunded += a.Refund.Amount
				}
			}
			returned := sub.ReturnedDiscount(tt.returned)
			goods, platform := sub.SettledGoods(returned), sub.PlatformFunding(returned)
			if returned != tt.returnedDiscount || goods.Amount != tt.goods || platform != tt.platform {
				t.Errorf("returned discount %d, settled goods %d, platform funding %d; want %d, %d, %d",
					returned, goods.Amount, platform, tt.returnedDiscount, tt.goods, tt.platform)
			}
			// What the buyer paid for the goods, less the refunds, plus what
			// the platform pays in, is what the supplier settles on.
			if paid := 3600 - tt.discount - sub.Refunded + platform; paid != goods.Amount {
				t.Errorf("escrow holds %d of goods at settlement, the supplier is settled on %d", paid, goods.Amount)
			}
		})
	}
}

var subID = uuid.New()

// refunded is a return of quantity units of sku from subID refunded for
// amount, from escrow or (clawBack) from the supplier's payable.
func refunded(sku uuid.UUID, quantity int32, amount int64, clawBack bool) domain.AfterSale {
	return domain.AfterSale{SubOrderID: subID, Kind: domain.Return, Status: domain.AfterSaleRefunded, ClawBack: clawBack,
		Refund: money.MustNew(amount, "USD"), Lines: []domain.AfterSaleLine{{SKUID: sku, Quantity: quantity, Amount: money.MustNew(amount, "USD")}}}
}

// Only a partner channel's order leaves its freight to the platform: the
// others paid target freight into escrow at checkout.
func TestFreightPaidByPlatform(t *testing.T) {
	for channel, want := range map[string]bool{
		domain.OwnStore:         false,
		domain.MerchantChannel:  false,
		"partner:demo-partner":  true,
		"partner:demo-rest-mkt": true,
	} {
		if got := (domain.Order{Channel: channel}).FreightPaidByPlatform(); got != want {
			t.Errorf("channel %q: freight paid by the platform = %v, want %v", channel, got, want)
		}
	}
}
