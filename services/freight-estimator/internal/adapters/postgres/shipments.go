package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// AddShipments adds shipments in two statements: one bumps the sequence of
// every route involved (creating routes on first sight) and one inserts the
// shipments stamped with it, skipping ids already in the history. Routes are
// locked in key order, so concurrent imports cannot deadlock on them; and since
// each route's row stays locked until commit, its sequence numbers become
// visible in commit order.
func (r repo) AddShipments(ctx context.Context, shipments []domain.Shipment, source app.Source) ([]bool, error) {
	if len(shipments) == 0 {
		return nil, nil
	}
	if r.tx == nil {
		return nil, errNoTx
	}
	routes := map[string]domain.Route{}
	for _, s := range shipments {
		routes[s.Route.Key()] = s.Route
	}
	keys := make([]string, 0, len(routes))
	for k := range routes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	oc, or, dc, dr := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		rt := routes[k]
		oc[i], or[i], dc[i], dr[i] = rt.OriginCountry, rt.OriginRegion, rt.DestinationCountry, rt.DestinationRegion
	}
	rows, err := r.q.Query(ctx, `
		INSERT INTO routes AS rt (route_key, origin_country, origin_region, destination_country, destination_region, seq)
		SELECT k, a, b, c, d, 1 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(k, a, b, c, d)
		ORDER BY k
		ON CONFLICT (route_key) DO UPDATE SET seq = rt.seq + 1
		RETURNING route_key, id, seq`, keys, oc, or, dc, dr)
	if err != nil {
		return nil, fmt.Errorf("bump routes: %w", err)
	}
	type pos struct{ id, seq int64 }
	at := make(map[string]pos, len(keys))
	for rows.Next() {
		var k string
		var p pos
		if err := rows.Scan(&k, &p.id, &p.seq); err != nil {
			rows.Close()
			return nil, err
		}
		at[k] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bump routes: %w", err)
	}

	n := len(shipments)
	ids := make([]string, n)
	routeIDs, seqs := make([]int64, n), make([]int64, n)
	volumes, weights, values, freights := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	completed := make([]time.Time, n)
	currencies, declaredCurrencies, rates := make([]string, n), make([]string, n), make([]string, n)
	transactions, goods, declared := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, s := range shipments {
		p := at[s.Route.Key()]
		ids[i], routeIDs[i], seqs[i] = s.ID, p.id, p.seq
		volumes[i], weights[i], values[i], freights[i] = s.VolumeCM3, s.WeightG, s.Value, s.Freight
		completed[i] = s.CompletedAt
		currencies[i], transactions[i], goods[i] = s.Currency, s.TransactionMinor, s.GoodsMinor
		declaredCurrencies[i], declared[i], rates[i] = s.DeclaredCurrency, s.DeclaredMinor, s.RateToBase
	}
	rows, err = r.q.Query(ctx, `
		INSERT INTO shipments (shipment_id, route_id, route_seq, volume_cm3, weight_g, value_minor, freight_minor,
			completed_at, currency, transaction_minor, goods_minor, declared_currency, declared_minor, rate_to_base, source)
		SELECT u.*, $15 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
			$7::bigint[], $8::timestamptz[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::bigint[], $14::text[]) AS u
		ON CONFLICT (shipment_id) DO NOTHING
		RETURNING shipment_id`,
		ids, routeIDs, seqs, volumes, weights, values, freights, completed,
		currencies, transactions, goods, declaredCurrencies, declared, rates, string(source))
	if err != nil {
		return nil, fmt.Errorf("insert shipments: %w", err)
	}
	inserted := make(map[string]bool, n)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		inserted[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insert shipments: %w", err)
	}
	out := make([]bool, n)
	for i, id := range ids {
		out[i] = inserted[id]
	}
	return out, nil
}

// RecordRejections counts refused records, keeping the latest reason.
func (r repo) RecordRejections(ctx context.Context, source app.Source, rejections []app.Rejection, at time.Time) error {
	if len(rejections) == 0 {
		return nil
	}
	// One row per id: an upsert may not touch the same row twice.
	latest := map[string]string{}
	var ids []string
	for _, rj := range rejections {
		if _, ok := latest[rj.ShipmentID]; !ok {
			ids = append(ids, rj.ShipmentID)
		}
		latest[rj.ShipmentID] = rj.Reason
	}
	reasons := make([]string, len(ids))
	for i, id := range ids {
		reasons[i] = latest[id]
	}
	_, err := r.q.Exec(ctx, `
		INSERT INTO rejected_shipments AS rj (shipment_id, source, reason, first_rejected_at, last_rejected_at)
		SELECT id, $2, reason, $4, $4 FROM unnest($1::text[], $3::text[]) AS u(id, reason)
		ON CONFLICT (shipment_id, source) DO UPDATE
		SET reason = excluded.reason, rejections = rj.rejections + 1, last_rejected_at = excluded.last_rejected_at`,
		ids, string(source), reasons, at)
	if err != nil {
		return fmt.Errorf("record rejections: %w", err)
	}
	return nil
}

// LoadRoute reads a route's records for the in-memory index.
func (r repo) LoadRoute(ctx context.Context, routeID, since, afterSeq int64) ([]domain.Record, int64, error) {
	rows, err := r.q.Query(ctx, `
		SELECT volume_cm3, weight_g, value_minor, freight_minor, completed_at, route_seq FROM shipments
		WHERE route_id = $1 AND completed_at >= $2 AND route_seq > $3`,
		routeID, time.UnixMicro(since).UTC(), afterSeq)
	if err != nil {
		return nil, 0, fmt.Errorf("load route %d: %w", routeID, err)
	}
	defer rows.Close()
	var out []domain.Record
	var maxSeq int64
	var rec domain.Record
	var at time.Time
	var seq int64
	for rows.Next() {
		if err := rows.Scan(&rec.VolumeCM3, &rec.WeightG, &rec.Value, &rec.Freight, &at, &seq); err != nil {
			return nil, 0, err
		}
		rec.CompletedAt = at.UnixMicro()
		out = append(out, rec)
		maxSeq = max(maxSeq, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("load route %d: %w", routeID, err)
	}
	return out, maxSeq, nil
}

// PruneShipments deletes up to limit shipments completed before before.
func (r repo) PruneShipments(ctx context.Context, before time.Time, limit int) (int64, error) {
	tag, err := r.q.Exec(ctx, `DELETE FROM shipments WHERE shipment_id IN (
		SELECT shipment_id FROM shipments WHERE completed_at < $1 LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("prune shipments: %w", err)
	}
	return tag.RowsAffected(), nil
}

// RouteIDs lists the routes with history, the most written first.
func (r repo) RouteIDs(ctx context.Context) ([]int64, error) {
	rows, err := r.q.Query(ctx, `SELECT id FROM routes ORDER BY seq DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
