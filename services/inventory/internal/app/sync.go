package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// SyncInput sets absolute on-hand levels in one warehouse by the supplier's
// own SKU codes.
type SyncInput struct {
	SyncID      string
	WarehouseID uuid.UUID
	Lines       []domain.SyncLine
	// SupplierOrgID is the supplier a service relays for (platform-docking
	// for an ERP's signed call): a service must name it, so that it can only
	// ever change the stock of the supplier it was asked by, never of
	// whichever warehouse id it was given. Ignored for other callers, whose
	// organization is their own.
	SupplierOrgID uuid.UUID
	// CountedAt is when the ERP counted the levels; zero is now.
	CountedAt time.Time
}

// SyncStock sets the on-hand levels an ERP reports, all in one transaction,
// with a result per line: applied, unchanged, or rejected with a message (an
// unknown code, a level below what is reserved) without failing the others.
// It is idempotent by sync_id within the warehouse for the keys' retention:
// a repeat returns the first result and changes nothing; the same sync_id
// with other lines is AlreadyExists. A count is applied as of when it was taken (CountedAt):
// what moved on hand since is added to it, and a line whose stock was
// counted later already is rejected, so a sync that arrives late (or after
// a newer one) does not bring back goods that left meanwhile. Callers: the
// warehouse supplier's members and ERP, and
// services relaying for the supplier they name (another supplier's
// warehouse is NotFound to them, as to the supplier).
func (s *Service) SyncStock(ctx context.Context, c auth.Caller, in SyncInput) ([]domain.SyncResult, error) {
	if _, ok := c.SupplierOrg(); !ok && !c.IsService() {
		if c.Kind == auth.KindAPIClient {
			return nil, ErrSyncCallerNoOrg
		}
		return nil, ErrSuppliersOnly
	}
	if c.IsService() && in.SupplierOrgID == uuid.Nil {
		return nil, apperr.InvalidField("supplier_org_id", "is required of a service: the supplier it relays for")
	}
	syncID, lines, err := domain.CheckSync(in.SyncID, in.Lines)
	if err != nil {
		return nil, err
	}
	// The lines' order is no part of the request: an ERP rebuilding its
	// payload to retry a lost answer may send them in another. A key
	// stored before the lines were sorted matches as the lines were sent.
	byCode := slices.SortedFunc(slices.Values(lines), func(a, b domain.SyncLine) int { return strings.Compare(a.Code, b.Code) })
	fp, asSent := syncFingerprint(byCode, in.CountedAt), syncFingerprint(lines, in.CountedAt)
	var results []domain.SyncResult
	err = s.store.InTx(ctx, func(r Repository) error {
		w, err := r.GetWarehouse(ctx, in.WarehouseID)
		if err != nil {
			return err
		}
		if c.IsService() {
			if w.Kind == domain.WarehouseSupplier && w.SupplierID != in.SupplierOrgID {
				return warehouseNotFound(w.ID)
			}
		} else if err := ownedWarehouse(c, w); err != nil {
			return err
		}
		if w.Kind != domain.WarehouseSupplier {
			return domain.ErrSyncNeedsSupplierWarehouse
		}
		claimed, stored, err := r.ClaimKey(ctx, "sync:"+w.ID.String(), syncID, fp, s.clock())
		if err != nil {
			return err
		}
		if !claimed {
			if stored.Fingerprint != fp && stored.Fingerprint != asSent {
				return idempotency.ErrKeyReused
			}
			if err := json.Unmarshal(stored.Result, &results); err != nil {
				return err
			}
			results = inLineOrder(results, lines)
			return nil
		}
		// Bounded only for a new sync: a retry long after its count
		// (within the key's retention) answers what the first call did.
		countedAt, err := domain.CheckCountedAt(in.CountedAt, s.clock())
		if err != nil {
			return err
		}
		if results, err = s.applySync(ctx, r, c, w, syncID, lines, countedAt, !in.CountedAt.IsZero()); err != nil {
			return err
		}
		b, err := json.Marshal(results)
		if err != nil {
			return err
		}
		return r.SaveKeyResult(ctx, "sync:"+w.ID.String(), syncID, b)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// syncFingerprint is what a sync's key is bound to: its lines, and when it
// was counted when the caller said.
func syncFingerprint(lines []domain.SyncLine, countedAt time.Time) string {
	if countedAt.IsZero() {
		return idempotency.Fingerprint(lines)
	}
	return idempotency.Fingerprint(struct {
		Lines     []domain.SyncLine
		CountedAt time.Time
	}{lines, countedAt.UTC()})
}

// inLineOrder puts a replayed sync's results in the order of the retry's
// lines (a result per line, by its code; the codes are unique).
func inLineOrder(results []domain.SyncResult, lines []domain.SyncLine) []domain.SyncResult {
	byCode := make(map[string]domain.SyncResult, len(results))
	for _, r := range results {
		byCode[r.Code] = r
	}
	out := make([]domain.SyncResult, 0, len(lines))
	for _, l := range lines {
		if r, ok := byCode[l.Code]; ok {
			out = append(out, r)
		}
	}
	return out
}

// applySync sets the levels lines count, as of countedAt; earlier says the
// count was taken before now (the caller's counted_at), so what moved since
// is added to it and an older count than the last one is rejected.
func (s *Service) applySync(ctx context.Context, r Repository, c auth.Caller, w domain.Warehouse, syncID string, lines []domain.SyncLine,
	countedAt time.Time, earlier bool) ([]domain.SyncResult, error) {
	codes := make([]string, len(lines))
	for i, l := range lines {
		codes[i] = l.Code
	}
	byCode, err := r.FindSKUsByCode(ctx, w.SupplierID, codes)
	if err != nil {
		return nil, err
	}
	results := make([]domain.SyncResult, len(lines))
	targets := map[uuid.UUID]int{} // SKU → line index
	var keys []domain.StockKey
	for i, l := range lines {
		results[i] = domain.SyncResult{Code: l.Code}
		sku, msg := pickSKU(byCode[l.Code])
		if msg != "" {
			results[i].Status, results[i].Message = domain.SyncRejected, msg
			continue
		}
		if j, dup := targets[sku.ID]; dup {
			results[i].Status = domain.SyncRejected
			results[i].Message = "names the same SKU as line " + strconv.Itoa(j)
			continue
		}
		targets[sku.ID] = i
		results[i].SKUID = sku.ID.String()
		keys = append(keys, domain.StockKey{SKUID: sku.ID, WarehouseID: w.ID})
	}
	now := s.clock()
	levels, err := r.LockLevels(ctx, keys, true, now)
	if err != nil {
		return nil, err
	}
	last, moved := map[domain.StockKey]time.Time{}, map[domain.StockKey]int64{}
	if earlier {
		if last, err = r.LastCounted(ctx, keys); err != nil {
			return nil, err
		}
		if moved, err = r.OnHandMovedSince(ctx, keys, countedAt); err != nil {
			return nil, err
		}
	}
	var moves []domain.Movement
	var counted []domain.StockKey
	for i := range levels {
		level := &levels[i]
		j := targets[level.SKUID]
		if t, ok := last[level.StockKey]; ok && !countedAt.After(t) {
			// The last count sent again (under another sync id) is in
			// effect: unchanged. Any other count as old is refused.
			if countedAt.Equal(t) && level.OnHand == domain.CountedOnHand(lines[j].OnHand, moved[level.StockKey]) {
				results[j].Status = domain.SyncUnchanged
				continue
			}
			results[j].Status, results[j].Message = domain.SyncRejected, domain.StaleCount(countedAt, t)
			continue
		}
		m, changed, err := level.SetOnHand(domain.CountedOnHand(lines[j].OnHand, moved[level.StockKey]))
		if err == nil {
			counted = append(counted, level.StockKey)
		}
		switch {
		case err != nil:
			results[j].Status = domain.SyncRejected
			results[j].Message = fmt.Sprintf("on hand may not be set below the %d units reserved", level.Reserved)
		case !changed:
			results[j].Status = domain.SyncUnchanged
		default:
			results[j].Status = domain.SyncApplied
			moves = append(moves, m)
		}
	}
	stamp(moves, c.Subject, "erp sync", syncID, now)
	if err := r.SetCounted(ctx, counted, countedAt); err != nil {
		return nil, err
	}
	return results, applyMovements(ctx, r, moves, now)
}

// pickSKU chooses the SKU a code names: the one SKU with that code, or among
// several (a code reused after its product went to the bin) the one whose
// product is not deleted. It returns a rejection message when there is none
// or the choice is ambiguous.
func pickSKU(candidates []domain.SKU) (domain.SKU, string) {
	switch len(candidates) {
	case 0:
		return domain.SKU{}, "unknown SKU code"
	case 1:
		return candidates[0], ""
	}
	live := slices.DeleteFunc(slices.Clone(candidates), func(s domain.SKU) bool { return !s.Reservable })
	if len(live) == 1 {
		return live[0], ""
	}
	return domain.SKU{}, "the code names several SKUs"
}
