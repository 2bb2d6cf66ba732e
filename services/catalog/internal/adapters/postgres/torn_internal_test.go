package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/migrations"
)

// A product row naming a live revision that the read of its revisions does
// not find (an approval committed between the two statements, or the
// product purged) is a torn read, not a product without a live revision:
// taken as it was, the product looked not on sale for that read.
func TestARowWhoseRevisionIsGoneIsATornRead(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "catalog", FS: migrations.FS})
	five := int64(5)
	stale := productRow{live: &five}
	stale.ID = uuid.New()
	if _, err := (repo{q: pool}).complete(context.Background(), []productRow{stale}); !errors.Is(err, errTornRead) {
		t.Fatalf("a row whose live revision the next read did not find: %v, want a torn read", err)
	}
	none := productRow{}
	none.ID = uuid.New()
	got, err := (repo{q: pool}).complete(context.Background(), []productRow{none})
	if err != nil || got[0].Live != nil {
		t.Fatalf("a row naming no revision: %+v, %v; want it as it is", got, err)
	}
}

// A torn read is done again, a few times at most.
func TestATornReadIsReadAgain(t *testing.T) {
	calls := 0
	got, err := untorn(func() (int, error) {
		if calls++; calls < 3 {
			return 0, errTornRead
		}
		return 7, nil
	})
	if err != nil || got != 7 || calls != 3 {
		t.Errorf("untorn = %d, %v after %d reads; want 7 on the third", got, err, calls)
	}
	calls = 0
	if _, err := untorn(func() (int, error) { calls++; return 0, errTornRead }); !errors.Is(err, errTornRead) || calls != 4 {
		t.Errorf("always torn: %v after %d reads, want the torn read after 4", err, calls)
	}
}
