// Package images builds crossdock's container images without a Docker
// engine, the way ko does: the service is compiled as a static binary by the
// local Go toolchain, and the image is assembled in Go (go-containerregistry)
// as one layer on an empty base, run as a non-root user, and pushed to a
// registry. CI has no Docker; this is also what `make images` runs.
package images

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// User is the uid and gid every image runs as: distroless' "nonroot", which
// the manifests' securityContext names too.
const User = "65532:65532"

// BinaryPath is where the service's binary is in the image.
const BinaryPath = "/app"

// caBundle is the system's CA certificates, copied into the image so a
// service can call HTTPS endpoints (the payment provider, the object store).
const caBundle = "/etc/ssl/certs/ca-certificates.crt"

// Spec says what to build.
type Spec struct {
	// Root is the repository root (the Go workspace).
	Root string
	// Package is the main package, e.g. ./services/users/cmd/users.
	Package string
	// OS and Arch are the target platform; empty for linux and the host's
	// architecture.
	OS, Arch string
}

// ServicePackage is the main package of a service under services/.
func ServicePackage(service string) string {
	return fmt.Sprintf("./services/%s/cmd/%s", service, service)
}

// Build compiles the package and returns its image.
func Build(ctx context.Context, s Spec) (v1.Image, error) {
	if s.OS == "" {
		s.OS = "linux"
	}
	if s.Arch == "" {
		s.Arch = runtime.GOARCH
	}
	dir, err := os.MkdirTemp("", "crossdock-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "app")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", bin, s.Package)
	cmd.Dir = s.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+s.OS, "GOARCH="+s.Arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s: %w\n%s", s.Package, err, out)
	}
	layer, err := filesLayer(bin)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = s.OS, s.Arch
	cfg.Config.User = User
	cfg.Config.Entrypoint = []string{BinaryPath}
	cfg.Config.WorkingDir = "/"
	cfg.Config.Env = []string{"SSL_CERT_FILE=" + caBundle}
	return mutate.ConfigFile(img, cfg)
}

// filesLayer is the image's one layer: the binary, the non-root user's
// passwd and group entries, a writable-by-nobody /tmp mount point and the CA
// bundle when the build machine has one.
func filesLayer(bin string) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// A fixed time: the same binary gives the same image digest.
	epoch := time.Unix(0, 0)
	add := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, d := range []string{"etc/", "etc/ssl/", "etc/ssl/certs/", "tmp/"} {
		mode := int64(0o755)
		if d == "tmp/" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Name: d, Mode: mode, ModTime: epoch, Typeflag: tar.TypeDir}); err != nil {
			return nil, err
		}
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{BinaryPath[1:], 0o755, binary},
		{"etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{"etc/group", 0o644, []byte("root:x:0:\nnonroot:x:65532:\n")},
	}
	if ca, err := os.ReadFile(caBundle); err == nil {
		files = append(files, struct {
			name string
			mode int64
			data []byte
		}{caBundle[1:], 0o644, ca})
	}
	for _, f := range files {
		if err := add(f.name, f.mode, f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
