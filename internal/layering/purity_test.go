package layering_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// forbidden are the module path prefixes a pure package must not reach:
// transport and storage belong to adapters and ports, never to the domain.
var forbidden = []string{
	"google.golang.org/grpc",
	"google.golang.org/protobuf",
	"google.golang.org/genproto",
	"github.com/jackc/pgx",
	"github.com/nats-io",
}

// pkg is the part of `go list -json` output the check reads.
type pkg struct {
	ImportPath string
	DepOnly    bool
	Imports    []string
	Error      *struct{ Err string }
}

// target is a set of packages listed from one module directory.
type target struct {
	dir      string   // module directory, relative to the repository root
	patterns []string // package patterns inside it
}

// TestDomainIsPure fails when a domain package of any service, or a kit
// package the domain builds on, depends on gRPC, protobuf, pgx or NATS.
func TestDomainIsPure(t *testing.T) {
	root := repoRoot(t)
	targets := []target{{dir: "pkg", patterns: []string{"./apperr", "./money"}}}
	domains, err := filepath.Glob(filepath.Join(root, "services", "*", "internal", "domain"))
	if err != nil {
		t.Fatal(err)
	}
	if len(domains) == 0 {
		t.Fatal("no services/*/internal/domain found: the check would pass vacuously")
	}
	for _, d := range domains {
		svc := filepath.Dir(filepath.Dir(d))
		rel, err := filepath.Rel(root, svc)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, target{dir: rel, patterns: []string{"./internal/domain/..."}})
	}
	for _, tg := range targets {
		t.Run(tg.dir, func(t *testing.T) {
			pkgs := listDeps(t, filepath.Join(root, tg.dir), tg.patterns...)
			if v := violations(pkgs); len(v) > 0 {
				t.Errorf("impure packages:\n%s", strings.Join(v, "\n"))
			}
		})
	}
}

// TestCheckSeesImpurity proves the check can fail: packages known to depend
// on gRPC and pgx must be reported, with the chain that reaches them.
func TestCheckSeesImpurity(t *testing.T) {
	root := repoRoot(t)
	for _, tt := range []struct {
		name    string
		pattern string
		want    string // a forbidden prefix the report must name
	}{
		{name: "grpc error mapping", pattern: "./server/grpcerr", want: "google.golang.org/grpc"},
		{name: "postgres kit", pattern: "./pg", want: "github.com/jackc/pgx"},
		{name: "nats kit", pattern: "./natsx", want: "github.com/nats-io"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := violations(listDeps(t, filepath.Join(root, "pkg"), tt.pattern))
			if !slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, "-> "+tt.want) }) {
				t.Fatalf("%s not reported as depending on %s; report: %q", tt.pattern, tt.want, v)
			}
		})
	}
}

// violations returns one line per (listed package, forbidden dependency),
// with the shortest import chain from the one to the other.
func violations(pkgs map[string]pkg) []string {
	var out []string
	for _, p := range pkgs {
		if p.DepOnly {
			continue
		}
		for _, chain := range forbiddenChains(pkgs, p.ImportPath) {
			out = append(out, "  "+strings.Join(chain, " -> "))
		}
	}
	slices.Sort(out)
	return out
}

// forbiddenChains walks the import graph breadth first from start and
// returns the shortest chain to the first package of every forbidden
// module it reaches; the walk does not go past a forbidden package.
func forbiddenChains(pkgs map[string]pkg, start string) [][]string {
	prev := map[string]string{start: ""}
	queue := []string{start}
	var chains [][]string
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur != start && isForbidden(cur) {
			var chain []string
			for p := cur; p != ""; p = prev[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			chains = append(chains, chain)
			continue
		}
		for _, imp := range pkgs[cur].Imports {
			if _, seen := prev[imp]; !seen {
				prev[imp] = cur
				queue = append(queue, imp)
			}
		}
	}
	return chains
}

func isForbidden(path string) bool {
	for _, f := range forbidden {
		if path == f || strings.HasPrefix(path, f+"/") {
			return true
		}
	}
	return false
}

// listDeps runs `go list -deps -json` in dir and returns every package it
// prints by import path. A package that fails to load fails the test, since
// an unloadable package would otherwise pass unchecked.
func listDeps(t *testing.T, dir string, patterns ...string) map[string]pkg {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json=ImportPath,DepOnly,Imports,Error"}, patterns...)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list in %s: %v\n%s", dir, err, stderr.String())
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(&stdout)
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) == 0 {
		t.Fatalf("go list %v in %s listed nothing", patterns, dir)
	}
	return pkgs
}

// repoRoot is the directory holding go.work, above the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal(fmt.Errorf("no go.work above the test directory"))
		}
		dir = parent
	}
}
