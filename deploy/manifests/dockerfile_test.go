package manifests_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerfile checks the properties the manifests rely on: base images
// pinned by tag, a distroless non-root final stage running as the uid the pods
// demand, and the binary path every service follows.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var froms, users []string
	stages := map[string]bool{}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			args := f[1:]
			if strings.HasPrefix(args[0], "--platform=") {
				args = args[1:]
			}
			froms = append(froms, args[0])
			if len(args) == 3 && strings.EqualFold(args[1], "AS") {
				stages[args[2]] = true
			}
		case "USER":
			users = append(users, f[1])
		}
	}
	if len(froms) < 2 {
		t.Fatalf("%d stages, want a build stage and a final stage", len(froms))
	}
	for _, img := range froms {
		if stages[img] {
			continue
		}
		tag := ""
		if i := strings.LastIndex(img, ":"); i > strings.LastIndex(img, "/") {
			tag = img[i+1:]
		}
		if tag == "" || tag == "latest" {
			t.Errorf("base image %q is not pinned by tag", img)
		}
	}
	if final := froms[len(froms)-1]; !strings.HasPrefix(final, "gcr.io/distroless/") || !strings.HasSuffix(final, ":nonroot") {
		t.Errorf("final stage %q, want a distroless nonroot image", final)
	}
	if len(users) == 0 || users[len(users)-1] != "65532:65532" {
		t.Errorf("final USER %v, want 65532:65532", users)
	}
	if !strings.Contains(string(b), "ARG PACKAGE=./services/${SERVICE}/cmd/${SERVICE}") || !strings.Contains(string(b), "-o /out/app ${PACKAGE}") {
		t.Error("does not build ./services/${SERVICE}/cmd/${SERVICE} unless PACKAGE names a simulator")
	}
}
