package mesh_test

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
)

func TestPlanAddressesFollowTheOffset(t *testing.T) {
	tests := []struct {
		offset  int
		service string
		grpc    string
		admin   string
		http    string
	}{
		{0, "users", "127.0.0.1:9101", "127.0.0.1:9201", ""},
		{0, "platform-docking", "127.0.0.1:9108", "127.0.0.1:9208", ""},
		{0, "gateway", "", "127.0.0.1:9209", "127.0.0.1:8080"},
		{300, "freight-estimator", "127.0.0.1:9407", "127.0.0.1:9507", ""},
		{300, "gateway", "", "127.0.0.1:9509", "127.0.0.1:8380"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			p, err := mesh.NewPlan(tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			a := p.Of(service(t, tt.service))
			if a.GRPC != tt.grpc || a.Admin != tt.admin || a.HTTP != tt.http {
				t.Fatalf("got %+v, want grpc=%q admin=%q http=%q", a, tt.grpc, tt.admin, tt.http)
			}
		})
	}
}

func TestPlanInfrastructure(t *testing.T) {
	p, err := mesh.NewPlan(300)
	if err != nil {
		t.Fatal(err)
	}
	if p.NATSURL() != "nats://127.0.0.1:4522" || p.NATSMonitoring != "127.0.0.1:8522" || p.Postgres != 5733 {
		t.Fatalf("got nats=%s monitoring=%s postgres=%d", p.NATSURL(), p.NATSMonitoring, p.Postgres)
	}
	if got := p.SimulatorAddr(mesh.PaymentSandbox); got != "127.0.0.1:9600" {
		t.Fatalf("payment sandbox on %s", got)
	}
	if got := p.SimulatorAddr(mesh.CarrierSim); got != "127.0.0.1:9601" {
		t.Fatalf("carrier simulator on %s", got)
	}
	if got := p.SimulatorAddr(mesh.PartnerSim); got != "127.0.0.1:9602" {
		t.Fatalf("partner simulator on %s", got)
	}
	if p.GatewayURL() != "http://127.0.0.1:8380" {
		t.Fatalf("gateway URL %s", p.GatewayURL())
	}
}

func TestPlanHasNoDuplicatePorts(t *testing.T) {
	p, err := mesh.NewPlan(0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, l := range p.Listeners() {
		if other, ok := seen[l.Addr]; ok {
			t.Errorf("%s and %s both listen on %s", other, l.Owner, l.Addr)
		}
		seen[l.Addr] = l.Owner
	}
	// 8 backends × 2, gateway × 2, NATS × 2, PostgreSQL, the payment
	// sandbox, the carrier simulator, and the two partner simulators and
	// the supply simulator with their admin APIs.
	if len(seen) != 8*2+2+2+1+2+3*2 {
		t.Fatalf("%d listeners: %v", len(seen), seen)
	}
}

func TestNewPlanRejectsOffsetsOutsideThePortRange(t *testing.T) {
	for _, offset := range []int{-1, mesh.MaxOffset + 1} {
		if _, err := mesh.NewPlan(offset); err == nil {
			t.Errorf("offset %d accepted", offset)
		}
	}
	p, err := mesh.NewPlan(mesh.MaxOffset)
	if err != nil {
		t.Errorf("offset %d rejected: %v", mesh.MaxOffset, err)
	}
	// The highest port of the plan is still a port.
	highest := 0
	for _, s := range mesh.Simulators {
		highest = max(highest, s.Port)
		if s.Admin {
			highest = max(highest, s.Port+100)
		}
	}
	for _, svc := range mesh.Services {
		highest = max(highest, svc.GRPCPort, svc.AdminPort, svc.HTTPPort)
	}
	if got := p.SimulatorAdminAddr(mesh.SupplySim); got != "127.0.0.1:65535" {
		t.Errorf("the supply simulator's back office on %s at the highest offset", got)
	}
	if highest+mesh.MaxOffset != 65535 {
		t.Errorf("the highest port %d + MaxOffset %d is %d, want 65535", highest, mesh.MaxOffset, highest+mesh.MaxOffset)
	}
}

func TestCheckFreeNamesTheTakenPort(t *testing.T) {
	p, err := mesh.NewPlan(20000)
	if err != nil {
		t.Fatal(err)
	}
	users := p.Of(service(t, "users"))
	ln, err := net.Listen("tcp", users.GRPC)
	if err != nil {
		t.Skipf("cannot hold %s for the test: %v", users.GRPC, err)
	}
	defer ln.Close()
	err = p.CheckFree()
	if !errors.Is(err, mesh.ErrPortsInUse) || !strings.Contains(err.Error(), users.GRPC+" (users gRPC)") {
		t.Fatalf("got %v", err)
	}
}

func TestDatabaseAndAddrVarNames(t *testing.T) {
	tests := []struct{ name, db, addrVar, pkg string }{
		{"users", "users", "USERS_ADDR", "./services/users/cmd/users"},
		{"freight-estimator", "freight_estimator", "FREIGHT_ESTIMATOR_ADDR", "./services/freight-estimator/cmd/freight-estimator"},
		{"platform-docking", "platform_docking", "PLATFORM_DOCKING_ADDR", "./services/platform-docking/cmd/platform-docking"},
	}
	for _, tt := range tests {
		s := service(t, tt.name)
		if s.Database() != tt.db || s.AddrVar() != tt.addrVar || s.Package() != tt.pkg {
			t.Errorf("%s: db=%s addr=%s pkg=%s", tt.name, s.Database(), s.AddrVar(), s.Package())
		}
	}
	if n := len(mesh.Backends()); n != 8 {
		t.Fatalf("%d backends, want 8", n)
	}
}

func TestEnv(t *testing.T) {
	p, err := mesh.NewPlan(0)
	if err != nil {
		t.Fatal(err)
	}
	parent := []string{
		"PATH=/usr/bin",
		"LOG_LEVEL=debug",           // the operator's choice wins over the default
		"GRPC_ADDR=:1",              // the mesh's addresses win over the shell's
		"DATABASE_URL=postgres://x", // never passed through
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317",
	}
	tests := []struct {
		service string
		want    map[string]string
		absent  []string
	}{
		{
			service: "orders",
			want: map[string]string{
				"PATH":                        "/usr/bin",
				"LOG_LEVEL":                   "warn", // what the mesh decides wins over the shell
				"LOG_FORMAT":                  "text",
				"SERVICE_CLIENT_ID":           "svc-orders",
				"GRPC_ADDR":                   "127.0.0.1:9104",
				"ADMIN_ADDR":                  "127.0.0.1:9204",
				"DATABASE_URL":                "postgres://orders@db/orders",
				"NATS_URL":                    "nats://127.0.0.1:4222",
				"INVENTORY_ADDR":              "127.0.0.1:9103",
				"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
			},
			absent: []string{"HTTP_ADDR", "GATEWAY_ADDR", "FX_MAX_RATE_AGE_BY_SOURCE"},
		},
		{
			service: "finance",
			want: map[string]string{
				"FX_MAX_RATE_AGE_BY_SOURCE": "ecb=26h,manual=720h,demo=8760h", // the demo rates never refresh
				"GRPC_ADDR":                 "127.0.0.1:9106",
			},
		},
		{
			service: "gateway",
			want: map[string]string{
				"HTTP_ADDR":              "127.0.0.1:8080",
				"ADMIN_ADDR":             "127.0.0.1:9209",
				"USERS_ADDR":             "127.0.0.1:9101",
				"CATALOG_ADDR":           "127.0.0.1:9102",
				"INVENTORY_ADDR":         "127.0.0.1:9103",
				"ORDERS_ADDR":            "127.0.0.1:9104",
				"LOGISTICS_ADDR":         "127.0.0.1:9105",
				"FINANCE_ADDR":           "127.0.0.1:9106",
				"FREIGHT_ESTIMATOR_ADDR": "127.0.0.1:9107",
				"PLATFORM_DOCKING_ADDR":  "127.0.0.1:9108",
				"GRPC_ADDR":              ":1", // the gateway has no gRPC server: the shell's value is not its business
			},
			absent: []string{"DATABASE_URL", "GATEWAY_ADDR"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			extra := map[string]string{"SERVICE_CLIENT_ID": "svc-" + tt.service, "LOG_LEVEL": "warn"}
			env := envMap(t, mesh.Env(service(t, tt.service), p, "postgres://"+tt.service+"@db/"+tt.service, parent, extra))
			for k, v := range tt.want {
				if env[k] != v {
					t.Errorf("%s=%q, want %q", k, env[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := env[k]; ok {
					t.Errorf("%s is set", k)
				}
			}
		})
	}
}

// A service's own default gives way to the operator's shell.
func TestServiceDefaultsYieldToTheShell(t *testing.T) {
	p, err := mesh.NewPlan(0)
	if err != nil {
		t.Fatal(err)
	}
	env := envMap(t, mesh.Env(service(t, "finance"), p, "postgres://f@db/f", []string{"FX_MAX_RATE_AGE_BY_SOURCE=ecb=1h"}, nil))
	if got := env["FX_MAX_RATE_AGE_BY_SOURCE"]; got != "ecb=1h" {
		t.Errorf("FX_MAX_RATE_AGE_BY_SOURCE=%q, want the shell's ecb=1h", got)
	}
}

// The local mesh's partner and supply simulators serve plaintext on
// loopback, so docking is told it is development; nothing else allows it.
func TestDockingReachesTheSimulatorsInPlaintext(t *testing.T) {
	p, err := mesh.NewPlan(0)
	if err != nil {
		t.Fatal(err)
	}
	env := envMap(t, mesh.Env(service(t, "platform-docking"), p, "postgres://d@db/d", nil, nil))
	if got := env["DOCKING_PARTNER_PLAINTEXT"]; got != "true" {
		t.Errorf("DOCKING_PARTNER_PLAINTEXT=%q, want true for the simulators", got)
	}
}

// The supply simulator gets its address and both accounts from the mesh;
// its shipping delay is the demo's unless the shell says otherwise.
func TestSupplySimEnv(t *testing.T) {
	p, err := mesh.NewPlan(300)
	if err != nil {
		t.Fatal(err)
	}
	c := mesh.SupplyCredentials{DefaultAccount: "acc-d", DefaultKey: "kd", MerchantAccount: "acc-m", MerchantKey: "km"}
	env := envMap(t, mesh.SupplySimEnv(p, c, []string{"SUPPLY_SIM_ADDR=:1", "SUPPLY_SIM_ACCOUNTS=x:y"}))
	if env["SUPPLY_SIM_ADDR"] != "127.0.0.1:9604" || env["SUPPLY_SIM_ACCOUNTS"] != "acc-d:kd,acc-m:km" || env["SUPPLY_SIM_SHIP_AFTER"] != mesh.SupplyShipAfter {
		t.Errorf("got %v", env)
	}
	env = envMap(t, mesh.SupplySimEnv(p, c, []string{"SUPPLY_SIM_SHIP_AFTER=0"}))
	if env["SUPPLY_SIM_SHIP_AFTER"] != "0" {
		t.Errorf("SUPPLY_SIM_SHIP_AFTER=%q, want the shell's 0", env["SUPPLY_SIM_SHIP_AFTER"])
	}
}

func envMap(t *testing.T, env []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := m[k]; dup {
			t.Fatalf("%s appears twice", k)
		}
		m[k] = v
	}
	return m
}

func service(t *testing.T, name string) mesh.Service {
	t.Helper()
	for _, s := range mesh.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %s", name)
	return mesh.Service{}
}
