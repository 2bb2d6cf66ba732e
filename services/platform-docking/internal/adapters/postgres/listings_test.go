package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
)

// A partner's verdicts on pending listings find each listing by the SKU its
// marker names, through the primary key: the marker sent back in upper case
// still finds it, a marker not ours changes nothing, and a listing no longer
// pending keeps its own state.
func TestListingVerdictsFindTheirListingBySKU(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	trade := postgres.NewTrade(pool)
	partner := partnerRow(t, pool, "verified")
	pending, withdrawn := uuid.New(), uuid.New()
	for sku, status := range map[uuid.UUID]string{pending: "pending", withdrawn: "withdrawn"} {
		if _, err := pool.Exec(ctx, `INSERT INTO listings (partner_id, sku_id, product_id, supplier_id, marker, status, locale, currency,
			price_minor, stock, updated_at) VALUES ($1, $2, $3, $3, $4, $5, 'en', 'EUR', 1500, 3, now())`,
			partner, sku, uuid.New(), domain.Marker(sku.String()), status); err != nil {
			t.Fatal(err)
		}
	}
	err := trade.SetListingStates(ctx, partner, []string{pending.String()}, []domain.ListingState{
		{Marker: domain.Marker(strings.ToUpper(pending.String())), Status: domain.ListingLive, PartnerListingID: "L-1"},
		{Marker: domain.Marker(withdrawn.String()), Status: domain.ListingLive},
		{Marker: "theirs:1", Status: domain.ListingLive},
		{Marker: domain.Marker("not-a-uuid"), Status: domain.ListingLive},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	state := func(sku uuid.UUID) (status, listing string) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT status, partner_listing_id FROM listings WHERE partner_id = $1 AND sku_id = $2`, partner, sku).
			Scan(&status, &listing); err != nil {
			t.Fatal(err)
		}
		return status, listing
	}
	if status, listing := state(pending); status != "live" || listing != "L-1" {
		t.Errorf("the pending listing: %s %q, want live as L-1", status, listing)
	}
	if status, _ := state(withdrawn); status != "withdrawn" {
		t.Errorf("the withdrawn listing: %s, want it left withdrawn", status)
	}
}

// Pending listings take turns: those the partner keeps pending, or leaves
// out of its answer, go behind the others, so a batch of them asked about
// every round does not keep every other listing's verdict from being read.
func TestPendingListingsTakeTurns(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	trade := postgres.NewTrade(pool)
	partner := partnerRow(t, pool, "verified")
	first, second := uuid.New(), uuid.New()
	for i, sku := range []uuid.UUID{first, second} {
		if _, err := pool.Exec(ctx, `INSERT INTO listings (partner_id, sku_id, product_id, supplier_id, marker, status, locale, currency,
			price_minor, stock, updated_at) VALUES ($1, $2, $3, $3, $4, 'pending', 'en', 'EUR', 1500, 3, now() - make_interval(mins => $5))`,
			partner, sku, uuid.New(), domain.Marker(sku.String()), 10-i); err != nil {
			t.Fatal(err)
		}
	}
	next := func() uuid.UUID {
		t.Helper()
		got, err := trade.PendingListings(ctx, partner, 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("pending listings = %v, %v", got, err)
		}
		return uuid.MustParse(got[0].SKUID)
	}
	if got := next(); got != first {
		t.Fatalf("first asked about %s, want the oldest %s", got, first)
	}
	// The partner leaves it out of its answer: still pending.
	if err := trade.SetListingStates(ctx, partner, []string{first.String()}, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != second {
		t.Errorf("next asked about %s, want %s, not yet asked", got, second)
	}
}
