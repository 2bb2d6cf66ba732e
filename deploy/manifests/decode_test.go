package manifests_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/crossdock/crossdock/deploy/manifests"
)

func TestDecodeIsStrict(t *testing.T) {
	cases := []struct {
		name, doc, wantErr string
	}{
		{"unknown field", `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: users
spec:
  replica: 2
`, "unknown field"},
		{"field in the wrong case", `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: users
spec:
  template:
    spec:
      containers:
        - name: server
          securityContext:
            readOnlyRootFileSystem: true
`, "unknown field"},
		{"misplaced field", `
apiVersion: v1
kind: Service
metadata:
  name: users
spec:
  ports:
    - port: 9090
      containerPort: 9090
`, "unknown field"},
		{"duplicate key", `
apiVersion: v1
kind: ConfigMap
metadata:
  name: users
data:
  LOG_LEVEL: info
  LOG_LEVEL: debug
`, "already set"},
		{"wrong type", `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: users
spec:
  replicas: two
`, "replicas"},
		{"unsupported kind", `
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: users
`, "unsupported kind"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := manifests.Decode([][]byte{[]byte(tc.doc)})
			if err == nil {
				t.Fatal("decoded without error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestDecodeTypes(t *testing.T) {
	set, err := manifests.Decode([][]byte{
		[]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: users\n  namespace: crossdock\nspec:\n  replicas: 2\n"),
		[]byte("apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: users-db\nspec:\n  instances: 3\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := set.Objects[0].Value.(*appsv1.Deployment)
	if !ok || d.Name != "users" || *d.Spec.Replicas != 2 {
		t.Errorf("Deployment decoded as %#v", set.Objects[0].Value)
	}
	if got := set.Objects[0].Ref(); got != "Deployment/crossdock/users" {
		t.Errorf("Ref() = %q", got)
	}
	if c := set.Clusters(); len(c) != 1 || c[0].GetName() != "users-db" {
		t.Errorf("clusters %v", c)
	}
}

func TestRenderMissingDirectory(t *testing.T) {
	if _, err := manifests.Render("does-not-exist"); err == nil {
		t.Error("rendered a missing directory")
	}
}
