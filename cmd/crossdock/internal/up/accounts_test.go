package up

import (
	"crypto/ed25519"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/secrets"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/seed"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/natsx"
)

func TestAccountEnv(t *testing.T) {
	creds := secrets.File{ServiceAccounts: map[string]secrets.ServiceAccount{
		"users":  {ClientID: "svc-users", Secret: "s1"},
		"orders": {ClientID: "svc-orders", Secret: "s2"},
	}, SigningKeyEncryptionKey: "local:kek", NATSPasswords: map[string]string{"users": "n1", "orders": "n2", "gateway": "n3"},
		PaymentSandbox: secrets.PaymentSandbox{APIKey: "pk", WebhookSecret: "ws"},
		CarrierSim:     secrets.CarrierSim{APIKey: "ck", WebhookSecret: "cs"},
		Logistics:      secrets.Logistics{SecretsKey: "lk"}}
	plan, err := mesh.NewPlan(300)
	if err != nil {
		t.Fatal(err)
	}
	orders := accountEnv(mesh.Service{Name: "orders"}, plan, creds)
	if orders["SERVICE_CLIENT_ID"] != "svc-orders" || orders["SERVICE_CLIENT_SECRET"] != "s2" ||
		orders["NATS_USER"] != "orders" || orders["NATS_PASSWORD"] != "n2" {
		t.Errorf("orders env %v", orders)
	}
	if _, ok := orders["BOOTSTRAP_SERVICE_CLIENTS"]; ok {
		t.Error("a service other than users got the bootstrap accounts")
	}
	if _, ok := orders["SIGNING_KEY_ENCRYPTION_KEY"]; ok {
		t.Error("a service other than users got the signing keys' encryption key")
	}
	if _, ok := orders["PAYMENT_PROVIDER_API_KEY"]; ok {
		t.Error("a service other than finance got the payment provider's API key")
	}
	for _, k := range []string{"LOGISTICS_SEED_CARRIER_API_KEY", "LOGISTICS_SECRETS_KEY"} {
		if _, ok := orders[k]; ok {
			t.Errorf("a service other than logistics got %s", k)
		}
	}
	// Finance reaches the sandbox at its port after the offset, with the
	// pair the sandbox is started with.
	finance := accountEnv(mesh.Service{Name: mesh.Finance}, plan, creds)
	sandbox := envMap(mesh.PaymentSandboxEnv(plan, paymentCredentials(creds), nil))
	if finance["PAYMENT_PROVIDER_URL"] != "http://127.0.0.1:9600" || sandbox["PAYMENT_SANDBOX_ADDR"] != "127.0.0.1:9600" ||
		finance["PAYMENT_PROVIDER_API_KEY"] != "pk" || sandbox["PAYMENT_SANDBOX_API_KEY"] != "pk" ||
		finance["PAYMENT_PROVIDER_WEBHOOK_SECRET"] != "ws" || sandbox["PAYMENT_SANDBOX_WEBHOOK_SECRET"] != "ws" {
		t.Errorf("finance %v, sandbox %v", finance, sandbox)
	}
	if got := sandbox["PAYMENT_SANDBOX_WEBHOOK_URL"]; got != "http://127.0.0.1:8380/v1/webhooks/payment-provider" {
		t.Errorf("PAYMENT_SANDBOX_WEBHOOK_URL = %q", got)
	}
	// Logistics reaches the carrier simulator with the pair the simulator
	// is started with, on the same simulated clock; the shell's faults
	// reach the simulator, its time scale does not split the two.
	logistics := accountEnv(mesh.Service{Name: mesh.Logistics}, plan, creds)
	carrier := envMap(mesh.CarrierSimEnv(plan, carrierCredentials(creds), []string{"CARRIER_SIM_LOSE_RATE=0.2", "CARRIER_SIM_TIME_SCALE=1"}))
	for _, tt := range []struct {
		who       string
		env, want map[string]string
	}{
		{"logistics", logistics, map[string]string{
			"LOGISTICS_SEED_CARRIER_CODE":           "sim",
			"LOGISTICS_SEED_CARRIER_URL":            "http://127.0.0.1:9601",
			"LOGISTICS_SEED_CARRIER_API_KEY":        "ck",
			"LOGISTICS_SEED_CARRIER_WEBHOOK_SECRET": "cs",
			"LOGISTICS_TIME_SCALE":                  "8640",
			"LOGISTICS_SECRETS_KEY":                 "lk",
		}},
		{"carrier simulator", carrier, map[string]string{
			"CARRIER_SIM_ADDR":           "127.0.0.1:9601",
			"CARRIER_SIM_API_KEY":        "ck",
			"CARRIER_SIM_WEBHOOK_SECRET": "cs",
			"CARRIER_SIM_WEBHOOK_URL":    "http://127.0.0.1:8380/v1/webhooks/carriers/sim",
			"CARRIER_SIM_TIME_SCALE":     "8640",
			"CARRIER_SIM_LOSE_RATE":      "0.2",
		}},
	} {
		for k, v := range tt.want {
			if tt.env[k] != v {
				t.Errorf("%s %s = %q, want %q", tt.who, k, tt.env[k], v)
			}
		}
	}
	if _, ok := finance["LOGISTICS_SEED_CARRIER_URL"]; ok {
		t.Error("finance got the carrier's address")
	}
	users := accountEnv(mesh.Service{Name: mesh.Users}, plan, creds)
	if got := users["BOOTSTRAP_SERVICE_CLIENTS"]; got != "svc-orders:s2,svc-users:s1" {
		t.Errorf("BOOTSTRAP_SERVICE_CLIENTS = %q", got)
	}
	if got := users["SIGNING_KEY_ENCRYPTION_KEY"]; got != "local:kek" {
		t.Errorf("SIGNING_KEY_ENCRYPTION_KEY = %q", got)
	}
	if users["BOOTSTRAP_ADMIN_EMAIL"] != seed.AdminEmail || !strings.Contains(users["BOOTSTRAP_ADMIN_PASSWORD"], "demo") {
		t.Errorf("bootstrap admin %v", users)
	}
	// The gateway logs in to NATS (it follows revoked sessions) and has
	// nothing else.
	if gw := accountEnv(mesh.Service{Name: mesh.Gateway}, plan, creds); len(gw) != 2 ||
		gw["NATS_USER"] != "gateway" || gw["NATS_PASSWORD"] != "n3" {
		t.Errorf("gateway env %v", gw)
	}
}

// Every process the mesh starts, the gateway included, has a line in the
// NATS permission table, so the embedded server admits it, and nothing else
// has one.
func TestEveryServiceHasANATSUser(t *testing.T) {
	var services, users []string
	for _, s := range mesh.Services {
		services = append(services, s.Name)
	}
	for _, a := range natsx.Accesses {
		users = append(users, a.User)
	}
	slices.Sort(services)
	slices.Sort(users)
	if !slices.Equal(services, users) {
		t.Errorf("services %v, NATS users %v", services, users)
	}
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// The partner simulator is started with its own key, docking's client id and
// docking's public key; docking signs as that client id with the private
// half; the shell's faults reach the simulator, not its keys.
func TestPartnerSimEnv(t *testing.T) {
	dockingKey, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	creds := secrets.File{
		Docking:    secrets.Docking{SecretsKey: "sk", SigningKey: base64.RawURLEncoding.EncodeToString(dockingKey.Seed())},
		PartnerSim: secrets.PartnerSim{Key: base64.RawURLEncoding.EncodeToString(partnerKey.Seed())},
	}
	plan, err := mesh.NewPlan(300)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := partnerCredentials(creds)
	if err != nil {
		t.Fatal(err)
	}
	sim := envMap(mesh.PartnerSimEnv(plan, pc, []string{"PARTNER_SIM_REFUSE=true", "PARTNER_SIM_KEY=shell", "PARTNER_SIM_CROSSDOCK_CLIENT_ID=x"}))
	docking := accountEnv(mesh.Service{Name: mesh.PlatformDocking}, plan, creds)
	for k, want := range map[string]string{
		"PARTNER_SIM_ADDR":                "127.0.0.1:9602",
		"PARTNER_SIM_CODE":                mesh.PartnerCode,
		"PARTNER_SIM_KEY":                 creds.PartnerSim.Key,
		"PARTNER_SIM_CROSSDOCK_CLIENT_ID": docking["DOCKING_CLIENT_ID"],
		"PARTNER_SIM_CROSSDOCK_KEY":       base64.StdEncoding.EncodeToString(dockingKey.Public().(ed25519.PublicKey)),
		"PARTNER_SIM_REFUSE":              "true",
	} {
		if sim[k] != want || want == "" {
			t.Errorf("partner simulator %s = %q, want %q", k, sim[k], want)
		}
	}
	if docking["DOCKING_SIGNING_KEY"] != creds.Docking.SigningKey {
		t.Errorf("docking's signing key %q", docking["DOCKING_SIGNING_KEY"])
	}
	pub, err := partnerPublicKey(pc)
	if err != nil || !pub.Equal(partnerKey.Public()) {
		t.Errorf("partner public key %x, %v", pub, err)
	}
	if _, err := partnerCredentials(secrets.File{Docking: secrets.Docking{SigningKey: "short"}, PartnerSim: creds.PartnerSim}); err == nil {
		t.Error("a bad docking key was accepted")
	}
}
