package mesh

import "net/url"

// Simulator is a party outside the mesh played by a process of its own
// (simulators/): it has no gRPC server and no database, and listens on one
// HTTP port.
type Simulator struct {
	Name    string
	Port    int    // before the offset
	Package string // the binary's Go package, relative to the repository root
}

// PaymentSandbox is the payment provider finance collects top-ups and pays
// out through.
var PaymentSandbox = Simulator{Name: "payment-sandbox", Port: 9300, Package: "./simulators/cmd/payment-sandbox"}

// Simulators lists every simulator the mesh starts, before the services.
var Simulators = []Simulator{PaymentSandbox}

// PaymentWebhookPath is the gateway route the payment provider posts its
// webhooks to.
const PaymentWebhookPath = "/v1/webhooks/payment-provider"

// SimulatorAddr is where a simulator listens under the plan.
func (p Plan) SimulatorAddr(s Simulator) string { return loopback(s.Port + p.Offset) }

// PaymentCredentials are the API key finance calls the payment sandbox with
// and the secret the sandbox signs its webhooks with: one pair, given to
// both.
type PaymentCredentials struct {
	APIKey, WebhookSecret string
}

// PaymentProviderEnv is finance's side of the pair: where the provider is
// and its credentials.
func PaymentProviderEnv(p Plan, c PaymentCredentials) map[string]string {
	return map[string]string{
		"PAYMENT_PROVIDER_URL":            "http://" + p.SimulatorAddr(PaymentSandbox),
		"PAYMENT_PROVIDER_API_KEY":        c.APIKey,
		"PAYMENT_PROVIDER_WEBHOOK_SECRET": c.WebhookSecret,
	}
}

// PaymentSandboxEnv is the sandbox process's environment: the defaults and
// the parent's (so `FAIL_RATE=0.1 crossdock up` injects faults), then its
// address, the shared credentials and the gateway's webhook route, which win.
func PaymentSandboxEnv(p Plan, c PaymentCredentials, parent []string) []string {
	addr := p.SimulatorAddr(PaymentSandbox)
	webhookURL, _ := url.JoinPath(p.GatewayURL(), PaymentWebhookPath)
	return merge(nil, parent, map[string]string{
		"PAYMENT_SANDBOX_ADDR":           addr,
		"PAYMENT_SANDBOX_PUBLIC_URL":     "http://" + addr,
		"PAYMENT_SANDBOX_API_KEY":        c.APIKey,
		"PAYMENT_SANDBOX_WEBHOOK_SECRET": c.WebhookSecret,
		"PAYMENT_SANDBOX_WEBHOOK_URL":    webhookURL,
	})
}
