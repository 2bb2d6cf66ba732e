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
	if got, err := (repo{q: pool, acceptTorn: true}).complete(context.Background(), []productRow{stale}); err != nil || got[0].Live != nil {
		t.Fatalf("the same row read under its lock (which cannot tear): %+v, %v; want it as read", got, err)
	}
	none := productRow{}
	none.ID = uuid.New()
	got, err := (repo{q: pool}).complete(context.Background(), []productRow{none})
	if err != nil || got[0].Live != nil {
		t.Fatalf("a row naming no revision: %+v, %v; want it as it is", got, err)
	}
}

// A torn read is done again; still torn after a few reads (a row naming a
// revision that is not there at all), the product is taken as read.
func TestATornReadIsReadAgain(t *testing.T) {
	calls := 0
	got, err := untorn(repo{}, func(repo) (int, error) {
		if calls++; calls < 3 {
			return 0, errTornRead
		}
		return 7, nil
	})
	if err != nil || got != 7 || calls != 3 {
		t.Errorf("untorn = %d, %v after %d reads; want 7 on the third", got, err, calls)
	}
	calls = 0
	got, err = untorn(repo{}, func(r repo) (int, error) {
		calls++
		if !r.acceptTorn {
			return 0, errTornRead
		}
		return 7, nil
	})
	if err != nil || got != 7 || calls != 4 {
		t.Errorf("always torn: %d, %v after %d reads; want it taken as read on the fourth", got, err, calls)
	}
}
