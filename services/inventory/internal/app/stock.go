package app

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// AdjustInput is a signed change of on-hand stock.
type AdjustInput struct {
	WarehouseID, SKUID uuid.UUID
	Delta              int64
	Reason             string
	// IdempotencyKey makes a retry apply once. Required: a change by a
	// delta applied twice is stock that is not there.
	IdempotencyKey string
}

// AdjustStock changes on-hand stock of a SKU in a warehouse by a signed
// quantity with a reason (a count correction, damage), once per idempotency
// key. On-hand stock may not fall below what is reserved. The warehouse's
// owner only.
func (s *Service) AdjustStock(ctx context.Context, c auth.Caller, in AdjustInput) (domain.Level, error) {
	var v []apperr.FieldViolation
	switch {
	case in.Delta == 0:
		v = append(v, apperr.FieldViolation{Field: "quantity_delta", Description: "must not be zero"})
	case in.Delta > domain.MaxQuantity || in.Delta < -domain.MaxQuantity:
		v = append(v, apperr.FieldViolation{Field: "quantity_delta", Description: "must be within ±" + strconv.FormatInt(domain.MaxQuantity, 10)})
	}
	reason, err := domain.Text("reason", in.Reason, 500, true)
	v = appendViolations(v, err)
	key, err := domain.Text("idempotency_key", in.IdempotencyKey, 128, false)
	v = appendViolations(v, err)
	if key == "" && err == nil {
		v = append(v, apperr.FieldViolation{Field: "idempotency_key",
			Description: "is required (or the Idempotency-Key header): a change by a delta must apply once however often it is sent"})
	}
	if len(v) > 0 {
		return domain.Level{}, apperr.Invalid(v...)
	}
	var level domain.Level
	err = s.store.InTx(ctx, func(r Repository) error {
		w, err := s.adjustableWarehouse(ctx, r, c, in.WarehouseID)
		if err != nil {
			return err
		}
		if _, err := stockSKU(ctx, r, w, in.SKUID); err != nil {
			return err
		}
		now := s.clock()
		fp := idempotency.Fingerprint([]any{in.SKUID, in.Delta, reason})
		claimed, stored, err := r.ClaimKey(ctx, "adjust:"+w.ID.String(), key, fp, now)
		if err != nil {
			return err
		}
		if !claimed && stored.Fingerprint != fp {
			return idempotency.ErrKeyReused
		}
		levels, err := r.LockLevels(ctx, []domain.StockKey{{SKUID: in.SKUID, WarehouseID: w.ID}}, true, now)
		if err != nil {
			return err
		}
		level = levels[0]
		if !claimed {
			return nil // applied before: answer the current level
		}
		m, err := level.Adjust(in.Delta)
		if err != nil {
			return err
		}
		moves := []domain.Movement{m}
		stamp(moves, c.Subject, reason, key, now)
		return applyMovements(ctx, r, moves, now)
	})
	if err != nil {
		return domain.Level{}, err
	}
	return level, nil
}

// GetStock returns a SKU's levels in every warehouse, to the SKU's supplier,
// operators and services.
func (s *Service) GetStock(ctx context.Context, c auth.Caller, skuID uuid.UUID) ([]domain.Level, error) {
	sku, err := s.store.GetSKU(ctx, skuID)
	if err != nil {
		return nil, err
	}
	if !canReadSKU(c, sku) {
		return nil, skuNotFound(skuID)
	}
	return s.store.SKULevels(ctx, skuID)
}

// LevelPage is one page of ListStock.
type LevelPage struct {
	Levels        []domain.Level
	NextPageToken string
}

// ListStock lists the levels in one warehouse by SKU id: its owner,
// operators and services.
func (s *Service) ListStock(ctx context.Context, c auth.Caller, warehouseID uuid.UUID, page Page) (LevelPage, error) {
	limit, err := page.limit()
	if err != nil {
		return LevelPage{}, err
	}
	after, err := uuidCursor(page.Token, warehouseID)
	if err != nil {
		return LevelPage{}, err
	}
	if _, err := s.readWarehouse(ctx, s.store, c, warehouseID); err != nil {
		return LevelPage{}, err
	}
	levels, err := s.store.WarehouseLevels(ctx, warehouseID, after, limit+1)
	if err != nil {
		return LevelPage{}, err
	}
	out := LevelPage{Levels: levels}
	if len(levels) > limit {
		out.Levels = levels[:limit]
		out.NextPageToken = uuidToken(warehouseID, levels[limit-1].SKUID)
	}
	return out, nil
}

// MaxAvailabilitySKUs bounds one GetAvailability call.
const MaxAvailabilitySKUs = 500

// Availability is a SKU's units available to order across warehouses.
type Availability struct {
	SKUID     uuid.UUID
	Available int64
}

// GetAvailability returns the units available to order per SKU, in the order
// asked (each SKU once). Unknown SKUs and SKUs that cannot be reserved have
// none. Anyone may ask.
func (s *Service) GetAvailability(ctx context.Context, skuIDs []uuid.UUID) ([]Availability, error) {
	switch {
	case len(skuIDs) == 0:
		return nil, apperr.InvalidField("sku_ids", "at least one SKU id is required")
	case len(skuIDs) > MaxAvailabilitySKUs:
		return nil, apperr.InvalidField("sku_ids", "at most "+strconv.Itoa(MaxAvailabilitySKUs)+" SKU ids")
	}
	ids := make([]uuid.UUID, 0, len(skuIDs))
	for _, id := range skuIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	avail, err := s.store.Availability(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Availability, len(ids))
	for i, id := range ids {
		out[i] = Availability{SKUID: id, Available: avail[id]}
	}
	return out, nil
}

// SetLowStockThreshold sets the available level at or under which LowStock is
// emitted (0 turns it off). Setting it at or above the current availability
// counts as crossing it. The warehouse's owner only.
func (s *Service) SetLowStockThreshold(ctx context.Context, c auth.Caller, warehouseID, skuID uuid.UUID, threshold int64) (domain.Level, error) {
	if threshold < 0 || threshold > domain.MaxQuantity {
		return domain.Level{}, apperr.InvalidField("threshold", "must be between 0 and "+strconv.FormatInt(domain.MaxQuantity, 10))
	}
	var level domain.Level
	err := s.store.InTx(ctx, func(r Repository) error {
		w, err := s.ownWarehouse(ctx, r, c, warehouseID)
		if err != nil {
			return err
		}
		if _, err := stockSKU(ctx, r, w, skuID); err != nil {
			return err
		}
		now := s.clock()
		levels, err := r.LockLevels(ctx, []domain.StockKey{{SKUID: skuID, WarehouseID: w.ID}}, true, now)
		if err != nil {
			return err
		}
		level = levels[0]
		wasLow := level.IsLow()
		level.LowStockThreshold = threshold
		if err := r.SaveLevels(ctx, []domain.Level{level}, now); err != nil {
			return err
		}
		if wasLow || !level.IsLow() {
			return nil
		}
		return r.Emit(ctx, lowStockEvent(level, now))
	})
	if err != nil {
		return domain.Level{}, err
	}
	return level, nil
}

// JournalPage is one page of ListJournal.
type JournalPage struct {
	Entries       []domain.Movement
	NextPageToken string
}

// ListJournal lists a SKU's movements newest first, optionally in one
// warehouse: to the SKU's supplier, operators and services.
func (s *Service) ListJournal(ctx context.Context, c auth.Caller, skuID, warehouseID uuid.UUID, page Page) (JournalPage, error) {
	limit, err := page.limit()
	if err != nil {
		return JournalPage{}, err
	}
	// The token is bound to the SKU and warehouse listed: another's list would
	// start at its place and skip the entries before it.
	query := [2]uuid.UUID{skuID, warehouseID}
	before, err := int64Cursor(page.Token, query)
	if err != nil {
		return JournalPage{}, err
	}
	sku, err := s.store.GetSKU(ctx, skuID)
	if err != nil {
		return JournalPage{}, err
	}
	if !canReadSKU(c, sku) {
		return JournalPage{}, skuNotFound(skuID)
	}
	entries, err := s.store.Journal(ctx, JournalQuery{SKUID: skuID, WarehouseID: warehouseID, Before: before, Limit: limit + 1})
	if err != nil {
		return JournalPage{}, err
	}
	out := JournalPage{Entries: entries}
	if len(entries) > limit {
		out.Entries = entries[:limit]
		out.NextPageToken = int64Token(query, entries[limit-1].ID)
	}
	return out, nil
}

// appendViolations adds the field violations of a validation error.
func appendViolations(v []apperr.FieldViolation, err error) []apperr.FieldViolation {
	var e *apperr.Error
	if err != nil && errors.As(err, &e) {
		v = append(v, e.Violations...)
	}
	return v
}
