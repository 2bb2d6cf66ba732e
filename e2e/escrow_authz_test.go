package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// escrowRoutes are the only REST routes of EscrowService: what a person
// calls. The money commands (pay, legs, settle, refund, coupons, partner
// lines and withdrawals) are for services and have no route at all; an
// admin's allocation of a partner's unallocated receipts, and a payment to
// a carrier, are a person's.
var escrowRoutes = []string{
	"GET /v1/escrow/sub-orders/{sub_order_id}",
	"POST /v1/escrow/top-up-requests/{request_id}:pay",
	"PUT /v1/escrow/commission-rates/{supplier_org_id}",
	"POST /v1/escrow/partners/{partner_id}/unallocated-receipts:allocate",
	"POST /v1/escrow/carriers/{carrier_id}/payments",
}

// The authorization matrix of escrow's REST routes: a sub-order's escrow and
// a top-up request exist only for the buyer who paid (an unknown one is
// 404 to everyone), and only admins set commission rates.
func TestEscrowAuthorizationMatrix(t *testing.T) {
	if got := gatewayRoutes(t, "crossdock.finance.v1.EscrowService"); !slices.Equal(got, escrowRoutes) {
		t.Fatalf("EscrowService routes = %v, want only %v: the money commands are services-only", got, escrowRoutes)
	}
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.32")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "buyer": buyerEmail, "supplier": supplierEmail, "merchant": "merchant@demo.crossdock.test",
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	sub, request := "/v1/escrow/sub-orders/no-such-sub-order", "/v1/escrow/top-up-requests/00000000-0000-4000-8000-000000000000:pay"
	commission := "/v1/escrow/commission-rates/" + uuid.NewString()
	allocate := "/v1/escrow/partners/partner-e2e/unallocated-receipts:allocate"
	allocation := map[string]any{"allocationId": "a-e2e", "amount": map[string]any{"currencyCode": "EUR", "amountMinor": 100},
		"allocation": "RECEIPT_ALLOCATION_REVENUE", "note": "Kept: the partner will not claim it back."}
	payCarrier := "/v1/escrow/carriers/carrier-e2e/payments"
	carrierPayment := map[string]any{"paymentId": "cp-e2e", "amount": map[string]any{"currencyCode": "EUR", "amountMinor": 100}}
	notFound := []int{404}
	authzMatrix{
		services: []string{"crossdock.finance.v1.EscrowService"},
		rows: map[string][]authzCheck{
			"GET /v1/escrow/sub-orders/{sub_order_id}": {
				{actor: "buyer", path: sub, want: notFound},
				{actor: "supplier", path: sub, want: notFound},
				{actor: "admin", path: sub, want: notFound},
			},
			"POST /v1/escrow/top-up-requests/{request_id}:pay": {
				{actor: "buyer", path: request, body: map[string]any{}, want: notFound},
				{actor: "supplier", path: request, body: map[string]any{}, want: notFound},
			},
			"PUT /v1/escrow/commission-rates/{supplier_org_id}": {
				{actor: "admin", path: commission, body: map[string]any{"commissionBps": 300}, want: ok},
				{actor: "admin", path: commission, body: map[string]any{"commissionBps": 20000}, want: []int{400}},
				{actor: "supplier", path: commission, body: map[string]any{"commissionBps": 0}, want: denied},
				{actor: "buyer", path: commission, body: map[string]any{"commissionBps": 0}, want: denied},
				{actor: "merchant", path: commission, body: map[string]any{"commissionBps": 0}, want: denied},
			},
			// The matrix's partner has no unallocated receipts: an admin's
			// allocation is refused (FAILED_PRECONDITION), as is one without
			// a note (INVALID_ARGUMENT); nobody else may allocate at all.
			"POST /v1/escrow/partners/{partner_id}/unallocated-receipts:allocate": {
				{actor: "admin", path: allocate, body: allocation, want: []int{400}},
				{actor: "admin", path: allocate, body: map[string]any{"allocationId": "a-e2e"}, want: []int{400}},
				{actor: "supplier", path: allocate, body: allocation, want: denied},
				{actor: "buyer", path: allocate, body: allocation, want: denied},
				{actor: "merchant", path: allocate, body: allocation, want: denied},
			},
			// The matrix's carrier is owed nothing: an admin's payment is
			// refused (FAILED_PRECONDITION), as is one without an id
			// (INVALID_ARGUMENT); nobody else may record one.
			"POST /v1/escrow/carriers/{carrier_id}/payments": {
				{actor: "admin", path: payCarrier, body: carrierPayment, want: []int{400}},
				{actor: "admin", path: payCarrier, body: map[string]any{"amount": carrierPayment["amount"]}, want: []int{400}},
				{actor: "supplier", path: payCarrier, body: carrierPayment, want: denied},
				{actor: "buyer", path: payCarrier, body: carrierPayment, want: denied},
				{actor: "merchant", path: payCarrier, body: carrierPayment, want: denied},
			},
		},
		tokens: tokens,
		params: strings.NewReplacer("{sub_order_id}", "x", "{request_id}", "00000000-0000-4000-8000-000000000000", "{supplier_org_id}", "org-e2e",
			"{partner_id}", "partner-e2e", "{carrier_id}", "carrier-e2e"),
	}.run(t, c)
}
