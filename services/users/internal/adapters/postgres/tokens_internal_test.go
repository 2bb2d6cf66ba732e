package postgres

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/migrations"
)

// A refresh's check that its session was not revoked reads the revoked
// tokens of the family only: before, it read every token the session had
// been given, one per refresh, so a session refreshed often cost more at
// every refresh.
func TestAFamilysRevocationIsReadFromItsRevokedTokens(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	plan := testkit.Explain(t, pool, true, familyRevoked, uuid.New())
	if !strings.Contains(plan, "refresh_tokens_revoked_by_family") {
		t.Errorf("the revocation check does not read the revoked tokens' index:\n%s", plan)
	}
}
