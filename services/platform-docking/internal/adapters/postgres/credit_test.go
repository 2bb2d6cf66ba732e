package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
)

// Lines finance refused to credit come after every line never refused,
// the one refused longest ago first: a batch of refused lines at the head
// of the queue no longer fills every round's batch, starving the lines
// behind it.
func TestRefusedCreditsQueueBehindTheOthers(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	trade := postgres.NewTrade(pool)
	partner := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO partners (partner_id, code, name, protocol, endpoint, locales, commission_bps, status, created_at, updated_at)
		VALUES ($1, 'm', 'M', 'standard_grpc', 'http://m', '{en}', 500, 'unverified', now(), now())`, partner); err != nil {
		t.Fatal(err)
	}
	// L-1 reconciled first, L-4 last.
	for i, id := range []string{"L-1", "L-2", "L-3", "L-4"} {
		if _, err := pool.Exec(ctx, `INSERT INTO settlement_lines (partner_id, line_id, partner_order_id, currency, gross_minor, fees_currency, fees_minor,
			settled_at, raw, state, first_seen_at, reconciled_at) VALUES ($1, $2, $3, 'EUR', 1000, 'EUR', 120, now(), '{}', 'matched', now(), now() - make_interval(mins => $4))`,
			partner, id, "PO-"+id, 10-i); err != nil {
			t.Fatal(err)
		}
	}
	due := func(limit int) []string {
		t.Helper()
		lines, err := trade.UncreditedLines(ctx, partner, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, l := range lines {
			ids = append(ids, l.LineID)
		}
		return ids
	}
	if got := due(4); !slices.Equal(got, []string{"L-1", "L-2", "L-3", "L-4"}) {
		t.Fatalf("due = %v, want oldest first", got)
	}
	now := time.Now()
	for i, id := range []string{"L-2", "L-1"} {
		if err := trade.MarkLineCreditRefused(ctx, partner, id, now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if got := due(2); !slices.Equal(got, []string{"L-3", "L-4"}) {
		t.Errorf("a batch of two = %v, want the two never refused", got)
	}
	if got := due(4); !slices.Equal(got, []string{"L-3", "L-4", "L-2", "L-1"}) {
		t.Errorf("due = %v, want the refused last, refused longest ago first", got)
	}
	// Credited at last, a refused line is due no more.
	if err := trade.MarkLineCredited(ctx, partner, "L-2", now); err != nil {
		t.Fatal(err)
	}
	if got := due(4); !slices.Equal(got, []string{"L-3", "L-4", "L-1"}) {
		t.Errorf("due after L-2's credit = %v", got)
	}
}
