package grpcapi

import (
	"testing"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// A status filter no request can be in is refused with the field named; a
// known one lists. Before, a misspelt status answered an empty list, as if
// nothing matched.
func TestListAfterSalesRefusesAnUnknownStatus(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	api := NewAfterSale(app.New(postgres.New(pool), app.Peers{}, app.Config{}))
	buyer := as(auth.Caller{Subject: "ann", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}})
	_, err := api.ListAfterSales(buyer, &ordersv1.ListAfterSalesRequest{Status: "refundd"})
	var e *apperr.Error
	if !asErr(err, &e) || e.Kind != apperr.KindInvalid || !hasFields(e, "status") {
		t.Errorf("an unknown status: %v, want InvalidArgument on status", err)
	}
	if _, err := api.ListAfterSales(buyer, &ordersv1.ListAfterSalesRequest{Status: "refunded"}); err != nil {
		t.Errorf("a known status: %v", err)
	}
}
