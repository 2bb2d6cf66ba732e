package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// CopyShipments bulk-loads shipments with COPY, for seeding large histories
// (benchmarks, demo data): every route involved gets one sequence bump for the
// whole load. Unlike AddShipments it is not idempotent: an id already in the
// history fails the load, which then changes nothing.
func (s *Store) CopyShipments(ctx context.Context, shipments []domain.Shipment, source app.Source) error {
	if len(shipments) == 0 {
		return nil
	}
	return pg.InTx(ctx, s.Pool(), func(tx pgx.Tx) error {
		r := repo{q: tx, tx: tx}
		// Bump the routes through the ordinary path with one probe row per
		// route, then copy the rest stamped with the same sequence.
		first := map[string]domain.Shipment{}
		for _, sh := range shipments {
			if _, ok := first[sh.Route.Key()]; !ok {
				first[sh.Route.Key()] = sh
			}
		}
		probes := make([]domain.Shipment, 0, len(first))
		for _, sh := range first {
			probes = append(probes, sh)
		}
		if _, err := r.AddShipments(ctx, probes, source); err != nil {
			return err
		}
		type pos struct{ id, seq int64 }
		at := map[string]pos{}
		rows, err := tx.Query(ctx, `SELECT route_key, id, seq FROM routes`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k string
			var p pos
			if err := rows.Scan(&k, &p.id, &p.seq); err != nil {
				rows.Close()
				return err
			}
			at[k] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		probed := map[string]bool{}
		for _, sh := range probes {
			probed[sh.ID] = true
		}
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			for i < len(shipments) && probed[shipments[i].ID] {
				i++
			}
			if i == len(shipments) {
				return nil, nil
			}
			sh := shipments[i]
			i++
			p := at[sh.Route.Key()]
			return []any{sh.ID, p.id, p.seq, sh.VolumeCM3, sh.WeightG, sh.Value, sh.Freight, sh.CompletedAt,
				sh.Currency, sh.TransactionMinor, sh.GoodsMinor, sh.DeclaredCurrency, sh.DeclaredMinor, sh.RateToBase, string(source)}, nil
		})
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"shipments"}, []string{"shipment_id", "route_id", "route_seq",
			"volume_cm3", "weight_g", "value_minor", "freight_minor", "completed_at", "currency", "transaction_minor",
			"goods_minor", "declared_currency", "declared_minor", "rate_to_base", "source"}, src)
		if err != nil {
			return fmt.Errorf("copy shipments: %w", err)
		}
		return nil
	})
}
