package app

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// A partner sending our marker back with the SKU id in upper case still
// has its items paired with the sub-orders that hold their goods: orders
// reads the id all the same, and a sub-order paired with none would have
// its waybill held.
func TestItemsPairWithTheirSubOrdersWhateverTheIDsCase(t *testing.T) {
	a, b := uuid.NewString(), uuid.NewString()
	o := domain.PartnerOrder{Items: []domain.OrderItem{
		{ItemID: "i-1", Marker: domain.Marker(strings.ToUpper(a))},
		{ItemID: "i-2", Marker: domain.Marker(b)},
	}}
	var placed PlacedOrder
	for _, sku := range []string{a, b} {
		placed.SubOrders = append(placed.SubOrders, PlacedSubOrder{SKUIDs: []string{sku}})
	}
	subs := importedSubOrders(o, placed)
	if len(subs) != 2 || strings.Join(subs[0].ItemIDs, ",") != "i-1" || strings.Join(subs[1].ItemIDs, ",") != "i-2" {
		t.Fatalf("paired %+v, want i-1 with the first sub-order and i-2 with the second", subs)
	}
}
