package manifests_test

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/crossdock/crossdock/deploy/manifests"
	"github.com/crossdock/crossdock/pkg/natsx"
)

// repoRoot is the repository root seen from this package's directory, where
// `go test` runs.
const repoRoot = "../.."

// serviceDirs lists the service modules under services/: the source of truth
// for what every overlay and skaffold.yaml must deploy.
func serviceDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, "services"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot, "services", e.Name(), "go.mod")); err == nil {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		t.Fatal("no service modules under services/")
	}
	slices.Sort(out)
	return out
}

// simulatorDirs lists the simulator binaries under simulators/cmd/, each
// an image of its own.
func simulatorDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, "simulators", "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

// expectations says what each overlay under deploy/k8s/overlays must contain.
func expectations(t *testing.T) map[string]manifests.Expectations {
	t.Helper()
	services := serviceDirs(t)
	return map[string]manifests.Expectations{
		"dev": {
			Namespace:             "crossdock",
			Services:              services,
			WithoutDatabase:       []string{"gateway"},
			Replicas:              1,
			DatabaseInstances:     1,
			WithoutServiceAccount: []string{"users", "gateway"},
			Simulators:            simulatorDirs(t),
			Infra:                 []string{"otel-collector"},
		},
		"prod": {
			Namespace:             "crossdock",
			Services:              services,
			WithoutDatabase:       []string{"gateway"},
			DatabaseInstances:     3,
			Production:            true,
			WithoutServiceAccount: []string{"users", "gateway"},
			// deploy/README.md: the installation creates these.
			ExternalSecrets: append([]string{"service-accounts", "users-bootstrap-admin", "users-signing-key-encryption", "payment-provider", "platform-docking-keys", "logistics-keys",
				manifests.BackupSecret}, natsSecrets()...),
			SynchronousDatabases: []string{"finance-db", "orders-db"},
			RunbookDir:           filepath.Join(repoRoot, "docs", "runbooks"),
		},
	}
}

// natsSecrets are the Secrets with the services' NATS passwords, one per
// user of natsx.Accesses: <service>-nats, key password.
func natsSecrets() []string {
	var out []string
	for _, a := range natsx.Accesses {
		out = append(out, a.User+"-nats")
	}
	return out
}

var (
	renderMu sync.Mutex
	rendered = map[string][][]byte{}
)

// load renders an overlay (once per test binary) and returns a freshly decoded
// set, which a test may change without affecting other tests.
func load(t *testing.T, overlay string) *manifests.Set {
	t.Helper()
	renderMu.Lock()
	docs, ok := rendered[overlay]
	if !ok {
		var err error
		docs, err = manifests.Render(filepath.Join(repoRoot, "deploy", "k8s", "overlays", overlay))
		if err != nil {
			renderMu.Unlock()
			t.Fatal(err)
		}
		rendered[overlay] = docs
	}
	renderMu.Unlock()
	set, err := manifests.Decode(docs)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func rule(t *testing.T, e manifests.Expectations, name string) manifests.Rule {
	t.Helper()
	for _, r := range manifests.Rules(e) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no rule %q", name)
	return manifests.Rule{}
}
