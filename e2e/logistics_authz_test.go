package e2e

import (
	"crypto/rand"
	"strings"
	"testing"
)

// The authorization matrix of logistics' REST routes: shipments exist only
// for their buyer, their supplier's members and admins (an unknown one is
// 404 to everyone), lists show a buyer their own and a supplier its
// organization's, carriers and methods are managed by admins only, and
// any signed-in user lists the active methods. Creating, cancelling and
// completing shipments are services-only and have no route.
func TestLogisticsAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.37")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "buyer": buyerEmail, "supplier": supplierEmail, "merchant": "merchant@demo.crossdock.test",
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	unknown := "00000000-0000-4000-8000-000000000000"
	shipment, events := "/v1/logistics/shipments/"+unknown, "/v1/logistics/shipments/"+unknown+"/events"
	sub := "/v1/logistics/sub-orders/" + unknown + "/shipment"
	carrier, methods := "/v1/logistics/carriers/"+unknown, "/v1/logistics/carriers/"+unknown+"/methods"
	method := "/v1/logistics/methods/" + unknown
	code := "e2e-" + strings.ToLower(rand.Text()[:8])
	newCarrier := map[string]any{"code": code, "name": "E2E carrier", "endpoints": []map[string]any{{
		"environment": "sandbox", "apiUrl": "http://127.0.0.1:1", "apiKey": "key", "webhookSecret": "whsec_e2e_0123456789",
	}}}
	speed := map[string]any{"handlingHours": 24, "domesticKmPerDay": 500, "internationalKmPerDay": 800, "lastMileKmPerDay": 300}
	newMethod := map[string]any{"code": "road", "name": "Road", "mode": "SHIPPING_MODE_GROUND", "speed": speed}
	notFound := []int{404}
	everyone := func(path string, want []int) []authzCheck {
		return []authzCheck{{actor: "buyer", path: path, want: want}, {actor: "supplier", path: path, want: want},
			{actor: "merchant", path: path, want: want}, {actor: "admin", path: path, want: want}}
	}
	adminsOnly := func(path string, body any, adminWant []int) []authzCheck {
		return []authzCheck{{actor: "admin", path: path, body: body, want: adminWant},
			{actor: "buyer", path: path, body: body, want: denied}, {actor: "supplier", path: path, body: body, want: denied},
			{actor: "merchant", path: path, body: body, want: denied}}
	}
	authzMatrix{
		services: []string{"crossdock.logistics.v1.LogisticsService", "crossdock.logistics.v1.CarrierService"},
		rows: map[string][]authzCheck{
			"GET /v1/logistics/shipments/{shipment_id}":            everyone(shipment, notFound),
			"GET /v1/logistics/shipments/{shipment_id}/events":     everyone(events, notFound),
			"GET /v1/logistics/sub-orders/{sub_order_id}/shipment": everyone(sub, notFound),
			"GET /v1/logistics/shipments": append(everyone("/v1/logistics/shipments", ok),
				authzCheck{actor: "buyer", path: "/v1/logistics/shipments?supplierOrgId=" + unknown, want: denied},
				authzCheck{actor: "supplier", path: "/v1/logistics/shipments?buyerId=" + unknown, want: denied}),
			"POST /v1/logistics/carriers": append(adminsOnly("/v1/logistics/carriers", newCarrier, ok),
				authzCheck{actor: "admin", path: "/v1/logistics/carriers", body: map[string]any{"code": "X"}, want: []int{400}}),
			"PATCH /v1/logistics/carriers/{carrier_id}":        adminsOnly(carrier, map[string]any{"name": "Renamed"}, notFound),
			"GET /v1/logistics/carriers/{carrier_id}":          adminsOnly(carrier, nil, notFound),
			"GET /v1/logistics/carriers":                       adminsOnly("/v1/logistics/carriers", nil, ok),
			"POST /v1/logistics/carriers/{carrier_id}/methods": adminsOnly(methods, newMethod, notFound),
			"PATCH /v1/logistics/methods/{method_id}":          adminsOnly(method, map[string]any{"name": "Renamed"}, notFound),
			"GET /v1/logistics/methods": append(everyone("/v1/logistics/methods", ok),
				authzCheck{actor: "buyer", path: "/v1/logistics/methods?includeInactive=true", want: denied},
				authzCheck{actor: "admin", path: "/v1/logistics/methods?includeInactive=true", want: ok}),
		},
		tokens:  tokens,
		params:  strings.NewReplacer("{shipment_id}", unknown, "{sub_order_id}", unknown, "{carrier_id}", unknown, "{method_id}", unknown),
		secrets: []string{"whsec_e2e_0123456789"},
	}.run(t, c)
}
