// Package manifests renders the kustomize overlays under deploy/k8s and checks
// the rules every crossdock installation must follow, so that a broken manifest
// fails a test on a laptop or in CI instead of a rollout in a cluster.
package manifests

import (
	"fmt"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Render builds the kustomization in dir the way `kubectl kustomize` does and
// returns every resulting object as its own YAML document, in kustomize's
// output order.
func Render(dir string) ([][]byte, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", dir, err)
	}
	docs := make([][]byte, 0, m.Size())
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("render %s: %s: %w", dir, r.CurId(), err)
		}
		docs = append(docs, y)
	}
	return docs, nil
}
