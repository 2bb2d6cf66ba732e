package images_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/crossdock/crossdock/deploy/images"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// One service's image is built without Docker, pushed to a registry on
// loopback and pulled back; it runs as the non-root user, and its binary,
// taken out of the image and started against a real database and NATS,
// reports SERVING.
func TestServiceImageRunsAndServes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	if !strings.HasPrefix(host, "127.0.0.1:") {
		t.Fatalf("registry on %s, want loopback", host)
	}

	img, err := images.Build(ctx, images.Spec{Root: "../..", Package: images.ServicePackage("orders")})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host+"/crossdock/orders:test", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(ref, remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != images.User || strings.HasPrefix(cfg.Config.User, "0") {
		t.Errorf("image runs as %q, want %s", cfg.Config.User, images.User)
	}
	if len(cfg.Config.Entrypoint) != 1 || cfg.Config.Entrypoint[0] != images.BinaryPath || cfg.OS != "linux" {
		t.Errorf("entrypoint %v on %s", cfg.Config.Entrypoint, cfg.OS)
	}

	bin := filepath.Join(t.TempDir(), "orders")
	if err := images.ExtractFile(pulled, images.BinaryPath, bin); err != nil {
		t.Fatal(err)
	}
	pool := testkit.Database(t, testkit.Migrations{Name: "image-orders"})
	nats, _, _ := testkit.JetStream(t)
	grpcAddr := testkit.FreeAddr(t)
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+pool.Config().ConnString(), "NATS_URL="+nats.URL(),
		"GRPC_ADDR="+grpcAddr, "ADMIN_ADDR="+testkit.FreeAddr(t), "USERS_ADDR="+testkit.FreeAddr(t),
		"LOG_LEVEL=error", "READINESS_INTERVAL=100ms")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the image's binary never reported SERVING: %v %v", resp, err)
		}
	}
}
