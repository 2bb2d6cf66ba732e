package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

func TestQuotesRoundTrip(t *testing.T) {
	ctx := context.Background()
	store := postgres.New(testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS}))
	at := time.Date(2026, 6, 1, 12, 0, 0, 123000, time.UTC)
	tests := []struct {
		name string
		q    fx.Quote
	}{
		{"with an amount", fx.Quote{From: "USD", To: "JPY", Rate: money.MustParseRate("150.7425"), Mid: money.MustParseRate("151.5"),
			SpreadBps: 50, Source: "ecb", Amount: 10000, Converted: 15074}},
		{"rate alone, 18 decimals", fx.Quote{From: "JPY", To: "USD", Rate: money.MustParseRate("0.000000000000000001"), Mid: money.MustParseRate("0.000000000000000002"),
			SpreadBps: 1000, Source: "manual"}},
	}
	for _, tt := range tests {
		q := tt.q
		q.ID, q.CreatedBy, q.RateEffectiveAt, q.CreatedAt, q.ExpiresAt = uuid.NewString(), "buyer-1", at.Add(-time.Hour), at, at.Add(10*time.Minute)
		if err := store.InsertQuote(ctx, q); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := store.Quote(ctx, q.ID)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.Rate.String() != q.Rate.String() || got.Mid.String() != q.Mid.String() || got.From != q.From || got.To != q.To ||
			got.SpreadBps != q.SpreadBps || got.Source != q.Source || got.Amount != q.Amount || got.Converted != q.Converted ||
			got.CreatedBy != q.CreatedBy || !got.CreatedAt.Equal(q.CreatedAt) || !got.ExpiresAt.Equal(q.ExpiresAt) || !got.RateEffectiveAt.Equal(q.RateEffectiveAt) {
			t.Errorf("%s: read back %+v, wrote %+v", tt.name, got, q)
		}
	}
	for _, id := range []string{uuid.NewString(), "nope", ""} {
		if _, err := store.Quote(ctx, id); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("quote %q: %v", id, err)
		}
	}
	// The table refuses a quote better than its mid rate.
	bad := fx.Quote{ID: uuid.NewString(), From: "USD", To: "EUR", Rate: money.MustParseRate("1.1"), Mid: money.MustParseRate("1"),
		Source: "ecb", CreatedBy: "x", RateEffectiveAt: at, CreatedAt: at, ExpiresAt: at.Add(time.Minute)}
	if err := store.InsertQuote(ctx, bad); err == nil {
		t.Error("a rate above mid was stored")
	}
}
