package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The frontend tests run Node programs against the shared mesh: the TypeScript
// client's own test, and the browser test of the reference page. Their npm
// packages are installed from their package-lock.json files with `npm ci` first.

// TestTypeScriptClient compiles the TypeScript client with `tsc --strict` and runs
// its test (Node's built-in runner): log in, browse, estimate freight through the
// generated client against the mesh.
func TestTypeScriptClient(t *testing.T) {
	base, _ := apiMesh(t)
	dir := filepath.Join(repoRoot, "clients", "typescript")
	env := []string{"CROSSDOCK_GATEWAY_URL=" + base}
	runNode(t, dir, env, npmCI...)
	runNode(t, dir, env, "npm", "test")
}

// TestDocsInBrowser opens /docs in headless Chromium: every operation is listed,
// the page keeps to its Content-Security-Policy, and "try it" calls the gateway.
// Without Chromium it skips, except in CI (CI set), where .ci/run installs it.
func TestDocsInBrowser(t *testing.T) {
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Chromium at %s: .ci/run installs Debian's chromium package", chromium)
		}
		t.Skipf("no Chromium at %s (apt-get install chromium, or set CHROMIUM_PATH)", chromium)
	}
	base, _ := apiMesh(t)
	dir := filepath.Join(repoRoot, "e2e", "browser")
	env := []string{"CROSSDOCK_GATEWAY_URL=" + base, "CHROMIUM_PATH=" + chromium}
	runNode(t, dir, env, npmCI...)
	runNode(t, dir, env, "node", "--test", "docs.test.mjs")
}

// npmCI installs a folder's npm packages exactly as its package-lock.json pins them;
// none needs an install script.
var npmCI = []string{"npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"}

// runNode runs a command in dir with env added to the test's environment. Its
// output goes to the test's log, and a failure fails the test.
func runNode(t *testing.T, dir string, env []string, argv ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v in %s: %v\n%s", argv, dir, err, out)
	}
	t.Logf("%v:\n%s", argv, out)
}
