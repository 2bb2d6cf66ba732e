package testkit

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// MigrationsBefore is a service's schema as it stood before the migration
// whose file name starts with version (say "00003"): a test of a data
// migration builds the old schema from it, writes rows the way the old code
// did, then migrates to the end and checks what became of them.
func MigrationsBefore(t testing.TB, name string, migrations fs.FS, version string) Migrations {
	t.Helper()
	before := fstest.MapFS{}
	err := fs.WalkDir(migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".sql") || path >= version {
			return err
		}
		b, err := fs.ReadFile(migrations, path)
		before[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return Migrations{Name: name + "_before_" + version, FS: before}
}
