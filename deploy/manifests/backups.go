package manifests

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// BackupSecret is the Secret the installation supplies with the object
// store's credentials (keys ACCESS_KEY_ID and ACCESS_SECRET_KEY).
const BackupSecret = "postgres-backup"

// checkBackups: every production database archives its WAL continuously to
// the object store with the installation's credentials, keeps its backups for
// a retention period, and has a scheduled base backup, so any point in time
// of the retention window can be restored.
func checkBackups(s *Set) []Violation {
	var out []Violation
	scheduled := map[string]bool{}
	for _, b := range s.Custom(ScheduledBackupGVK) {
		cluster, _, _ := unstructured.NestedString(b.Object, "spec", "cluster", "name")
		schedule, _, _ := unstructured.NestedString(b.Object, "spec", "schedule")
		if schedule != "" {
			scheduled[cluster] = true
		}
	}
	for _, c := range s.Clusters() {
		r := ref("Cluster", c.GetNamespace(), c.GetName())
		store, _, _ := unstructured.NestedMap(c.Object, "spec", "backup", "barmanObjectStore")
		if store == nil {
			out = append(out, Violation{r, "no WAL archiving (spec.backup.barmanObjectStore)"})
			continue
		}
		for _, field := range []string{"destinationPath", "endpointURL"} {
			if v, _, _ := unstructured.NestedString(store, field); v == "" || v == "from-backup-object-store-env" {
				out = append(out, Violation{r, "backup " + field + " not set"})
			}
		}
		for _, key := range []string{"accessKeyId", "secretAccessKey"} {
			if name, _, _ := unstructured.NestedString(store, "s3Credentials", key, "name"); name != BackupSecret {
				out = append(out, Violation{r, fmt.Sprintf("backup credential %s not from the %s Secret", key, BackupSecret)})
			}
		}
		if v, _, _ := unstructured.NestedString(c.Object, "spec", "backup", "retentionPolicy"); v == "" {
			out = append(out, Violation{r, "no backup retentionPolicy"})
		}
		if !scheduled[c.GetName()] {
			out = append(out, Violation{r, "no ScheduledBackup"})
		}
	}
	return out
}

// checkSynchronousReplication: the money databases commit only once a
// standby has the transaction (at least one synchronous standby, writes
// waiting rather than going unprotected), so a failover loses no
// acknowledged payment.
func checkSynchronousReplication(s *Set, e Expectations) []Violation {
	var out []Violation
	for _, c := range s.Clusters() {
		if !slices.Contains(e.SynchronousDatabases, c.GetName()) {
			continue
		}
		r := ref("Cluster", c.GetNamespace(), c.GetName())
		n, _, _ := unstructured.NestedInt64(c.Object, "spec", "postgresql", "synchronous", "number")
		instances, _, _ := unstructured.NestedInt64(c.Object, "spec", "instances")
		durability, _, _ := unstructured.NestedString(c.Object, "spec", "postgresql", "synchronous", "dataDurability")
		switch {
		case n < 1:
			out = append(out, Violation{r, "no synchronous standby (spec.postgresql.synchronous.number < 1)"})
		case instances <= n:
			out = append(out, Violation{r, fmt.Sprintf("%d instances cannot give %d synchronous standbys", instances, n)})
		case durability != "required":
			out = append(out, Violation{r, "synchronous dataDurability is not required: writes would go on unprotected"})
		}
	}
	return out
}
