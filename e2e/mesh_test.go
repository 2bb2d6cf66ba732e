package e2e

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// sharedMesh is one running mesh that the API tests share: starting a mesh
// costs seconds, and the API tests only need one. It is stopped by TestMain.
var shared struct {
	once   sync.Once
	up     *upRun
	offset int
	dir    string
	err    string
	stop   func()
}

// apiMesh returns the shared mesh's gateway URL and port offset, starting the
// mesh on first use.
func apiMesh(t testing.TB) (gatewayURL string, offset int) {
	t.Helper()
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "crossdock-e2e-api-")
		if err != nil {
			shared.err = err.Error()
			return
		}
		// The server may run as the postgres user, which must reach the dir.
		_ = os.Chmod(dir, 0o755)
		shared.dir = filepath.Join(dir, "mesh")
		shared.offset = freeOffset(t)
		// The API tests sign up and log in far more often than a person does.
		shared.up = startDetached(shared.dir, shared.offset, []string{"RATE_LIMIT_CREDENTIALS=5:40",
			// The overhead benchmark sends thousands of calls from one client.
			"RATE_LIMIT_PER_SUBJECT=100000:100000", "RATE_LIMIT_PER_ADDRESS=100000:100000",
			// A spent refresh token's reuse is tested past its grace.
			"REFRESH_REUSE_GRACE=" + refreshReuseGrace.String()},
			// The crash tests kill a service with SIGKILL; it comes back, as
			// Kubernetes would restart its container. Finance alone is
			// killed eight times over the package's crash tests, often
			// within a minute: a second's pause each time, not a doubling one.
			[]string{"--restarts", "50", "--restart-pause", "1s"})
		shared.stop = func() {
			shared.up.stopDetached()
			_ = os.RemoveAll(dir)
		}
	})
	if shared.err != "" {
		t.Fatalf("shared mesh: %s", shared.err)
	}
	shared.up.t = t
	shared.up.waitReady(firstStartTimeout)
	return "http://" + addr(gatewayHTTPPort, shared.offset), shared.offset
}

// stopSharedMesh stops the shared mesh if a test started it.
func stopSharedMesh() {
	if shared.stop != nil {
		shared.stop()
	}
}
