package manifests_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/crossdock/crossdock/deploy/manifests"
	"github.com/crossdock/crossdock/pkg/natsx"
)

var update = flag.Bool("update", false, "rewrite generated files (the NATS servers' auth.conf)")

// The NATS servers' users file is the permission table rendered; -update
// writes it after the table changed.
func TestNATSAuthorizationFile(t *testing.T) {
	path := filepath.Join(repoRoot, "deploy", "k8s", "infra", "nats", manifests.NATSAuthFile)
	want := natsx.AuthorizationConfig()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s differs from natsx.Accesses: run go test ./manifests -run TestNATSAuthorizationFile -update", path)
	}
}
