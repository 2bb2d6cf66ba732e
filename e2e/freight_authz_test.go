package e2e

import (
	"strings"
	"testing"
)

// The authorization matrix of the freight estimator: any signed-in caller
// asks for an estimate; operators read the configuration, its versions and
// the rate card; only admins change them or import shipments. An admin's
// change here is one the service refuses as malformed (400, past the
// authorization check), so the shared mesh's freight settings stay as they
// are.
func TestFreightAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.32")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "reviewer": reviewerEmail, "translator": translatorEmail, "buyer": buyerEmail, "supplier": supplierEmail,
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	estimateBody := map[string]any{"route": route("CN", "CN-GD", "US", "US-CA"),
		"parcel": map[string]any{"volumeCm3": 3000, "weightG": 900, "declaredValue": map[string]any{"currencyCode": "USD", "amountMinor": 3000}}}
	malformed := map[string]any{}
	var writes []authzCheck
	for _, actor := range []string{"reviewer", "translator", "buyer", "supplier"} {
		writes = append(writes, authzCheck{actor: actor, body: malformed, want: denied})
	}
	adminWrite := func(want ...int) []authzCheck {
		return append([]authzCheck{{actor: "admin", body: malformed, want: want}}, writes...)
	}
	operatorRead := []authzCheck{
		{actor: "admin", want: ok}, {actor: "reviewer", want: ok}, {actor: "translator", want: ok},
		{actor: "buyer", want: denied}, {actor: "supplier", want: denied},
	}
	authzMatrix{
		services: []string{"crossdock.freight.v1.FreightService"},
		rows: map[string][]authzCheck{
			"POST /v1/freight/estimates": {
				{actor: "buyer", body: estimateBody, want: ok},
				{actor: "supplier", body: estimateBody, want: ok},
				{actor: "reviewer", body: estimateBody, want: ok},
			},
			"POST /v1/freight/shipments:import": adminWrite(200, 400),
			"GET /v1/freight/config":            operatorRead,
			"PUT /v1/freight/config":            adminWrite(400),
			"GET /v1/freight/config/versions":   operatorRead,
			"PUT /v1/freight/route-multipliers": adminWrite(400),
			"GET /v1/freight/rate-card":         operatorRead,
			"PUT /v1/freight/rate-card":         adminWrite(400),
		},
		tokens: tokens,
		params: strings.NewReplacer(),
	}.run(t, c)
}
