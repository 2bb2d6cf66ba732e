package manifests_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// skaffoldConfig is the part of skaffold.yaml this package relies on.
type skaffoldConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Build      struct {
		Artifacts []struct {
			Image   string `json:"image"`
			Context string `json:"context"`
			Docker  *struct {
				Dockerfile string            `json:"dockerfile"`
				BuildArgs  map[string]string `json:"buildArgs"`
			} `json:"docker"`
		} `json:"artifacts"`
	} `json:"build"`
	Manifests skaffoldManifests `json:"manifests"`
	Profiles  []struct {
		Name      string            `json:"name"`
		Manifests skaffoldManifests `json:"manifests"`
	} `json:"profiles"`
}

type skaffoldManifests struct {
	Kustomize struct {
		Paths []string `json:"paths"`
	} `json:"kustomize"`
}

func readSkaffold(t *testing.T) skaffoldConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "skaffold.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c skaffoldConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSkaffoldBuildsEveryService(t *testing.T) {
	c := readSkaffold(t)
	if !strings.HasPrefix(c.APIVersion, "skaffold/v4") || c.Kind != "Config" {
		t.Errorf("apiVersion %q kind %q, want a skaffold/v4 Config", c.APIVersion, c.Kind)
	}
	simulators := simulatorDirs(t)
	byService := map[string]int{}
	for _, a := range c.Build.Artifacts {
		svc, ok := strings.CutPrefix(a.Image, "crossdock/")
		if !ok {
			t.Errorf("artifact image %q is not crossdock/<service>", a.Image)
			continue
		}
		byService[svc]++
		if a.Context != "." {
			t.Errorf("%s: context %q, want the repository root", a.Image, a.Context)
		}
		if a.Docker == nil {
			t.Errorf("%s: not a docker artifact", a.Image)
			continue
		}
		if a.Docker.Dockerfile != "deploy/docker/Dockerfile" {
			t.Errorf("%s: dockerfile %q", a.Image, a.Docker.Dockerfile)
		}
		if got := a.Docker.BuildArgs["SERVICE"]; got != svc {
			t.Errorf("%s: build arg SERVICE=%q, want %q", a.Image, got, svc)
		}
		// A simulator is built from simulators/cmd/<name>; a service from
		// the Dockerfile's default, services/<name>/cmd/<name>.
		pkg, custom := a.Docker.BuildArgs["PACKAGE"]
		if slices.Contains(simulators, svc) && pkg != "./simulators/cmd/"+svc {
			t.Errorf("%s: build arg PACKAGE=%q, want ./simulators/cmd/%s", a.Image, pkg, svc)
		}
		if !slices.Contains(simulators, svc) && custom {
			t.Errorf("%s: a service with build arg PACKAGE=%q", a.Image, pkg)
		}
	}
	services := serviceDirs(t)
	for _, svc := range services {
		if byService[svc] != 1 {
			t.Errorf("service %s has %d artifacts, want 1", svc, byService[svc])
		}
	}
	for _, sim := range simulators {
		if byService[sim] != 1 {
			t.Errorf("simulator %s has %d artifacts, want 1", sim, byService[sim])
		}
	}
	for svc := range byService {
		if !slices.Contains(services, svc) && !slices.Contains(simulators, svc) {
			t.Errorf("artifact crossdock/%s has no directory under services/ or simulators/cmd/", svc)
		}
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "deploy", "docker", "Dockerfile")); err != nil {
		t.Error(err)
	}
}

func TestSkaffoldRendersOverlays(t *testing.T) {
	c := readSkaffold(t)
	// No profile deploys production: it runs a release's pinned images, and
	// skaffold would put the working tree's in their place.
	want := map[string][]string{"": {"deploy/k8s/overlays/dev"}}
	got := map[string][]string{"": c.Manifests.Kustomize.Paths}
	for _, p := range c.Profiles {
		got[p.Name] = p.Manifests.Kustomize.Paths
		t.Errorf("profile %q renders %v: production is not deployed from a working tree", p.Name, p.Manifests.Kustomize.Paths)
	}
	for profile, paths := range want {
		if !slices.Equal(got[profile], paths) {
			t.Errorf("profile %q renders %v, want %v", profile, got[profile], paths)
		}
		for _, p := range paths {
			if _, err := os.Stat(filepath.Join(repoRoot, p, "kustomization.yaml")); err != nil {
				t.Error(err)
			}
		}
	}
}
