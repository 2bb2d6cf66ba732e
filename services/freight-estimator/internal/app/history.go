package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// MaxImportBatch bounds the records of one ImportShipments call.
const MaxImportBatch = 5000

// RowError says why one record of an import was not added.
type RowError struct {
	// Index is the record's position in the request, from 0.
	Index      int
	ShipmentID string
	Reason     string
}

// ImportResult counts what an import did.
type ImportResult struct {
	// Imported records are new to the history.
	Imported int64
	// Duplicates were already in the history (or earlier in the batch).
	Duplicates int64
	// Rejected records are bad data, each with its reason.
	Rejected []RowError
}

// ImportShipments adds completed shipments to the history. Admins only. It is
// idempotent per shipment id: a shipment already in the history counts as a
// duplicate and changes nothing. Bad records (negative freight, unknown codes,
// a missing rate for a foreign currency) are refused with a reason, counted,
// and do not stop the others.
func (s *Service) ImportShipments(ctx context.Context, caller auth.Caller, records []domain.ShipmentInput) (ImportResult, error) {
	if _, err := requireAdmin(caller); err != nil {
		return ImportResult{}, err
	}
	if err := s.baseChecked(ctx, 0); err != nil {
		return ImportResult{}, err
	}
	if len(records) > MaxImportBatch {
		return ImportResult{}, apperr.InvalidField("records", fmt.Sprintf("must list at most %d records per call", MaxImportBatch))
	}
	now := s.clock()
	var res ImportResult
	var valid []domain.Shipment
	var rejections []Rejection
	seen := map[string]bool{}
	for i, in := range records {
		sh, err := domain.NewShipment(in, s.base, now)
		if err != nil {
			if !apperr.IsKind(err, apperr.KindInvalid) {
				return ImportResult{}, err
			}
			reason := apperr.Summary(err)
			res.Rejected = append(res.Rejected, RowError{Index: i, ShipmentID: strings.TrimSpace(in.ShipmentID), Reason: reason})
			if id := domain.RejectionID(in.ShipmentID); id != "" {
				rejections = append(rejections, Rejection{ShipmentID: id, Reason: reason})
			}
			continue
		}
		if seen[sh.ID] {
			res.Duplicates++
			continue
		}
		seen[sh.ID] = true
		valid = append(valid, sh)
	}
	err := s.store.InTx(ctx, func(r Repository) error {
		added, err := r.AddShipments(ctx, valid, SourceImport)
		if err != nil {
			return err
		}
		res.Imported = 0
		for _, a := range added {
			if a {
				res.Imported++
			}
		}
		return r.RecordRejections(ctx, SourceImport, rejections, now)
	})
	if err != nil {
		return ImportResult{}, err
	}
	res.Duplicates += int64(len(valid)) - res.Imported
	return res, nil
}

// Outcome says what became of one completed shipment reported by an event.
type Outcome int

// The outcomes of RecordCompletedShipment.
const (
	OutcomeAdded Outcome = iota + 1
	OutcomeDuplicate
	OutcomeRejected
)

// clockAheadBound is how far ahead of this service's clock a completion time
// in an event is taken as now (a sender's clock running fast); further ahead
// it is refused as bad data.
const clockAheadBound = time.Hour

// RecordCompletedShipment adds the shipment of a logistics.shipment.completed
// event to the history, inside the transaction repo belongs to (the inbox's,
// so the event id and the record commit together). A shipment already known is
// a duplicate; bad data is refused, counted with its reason, and reported as
// OutcomeRejected rather than as an error, since retrying cannot fix it. A
// completion time ahead of this service's clock (beyond domain.FutureSkew,
// within clockAheadBound: the sender's clock is ahead) is taken as now.
func (s *Service) RecordCompletedShipment(ctx context.Context, repo Repository, in domain.ShipmentInput) (Outcome, string, error) {
	if err := s.baseChecked(ctx, 0); err != nil {
		return 0, "", err // the event is delivered again
	}
	now := s.clock()
	if ahead := in.CompletedAt.Sub(now); ahead > domain.FutureSkew && ahead <= clockAheadBound {
		// Logistics' clock is ahead of ours: the shipment completed (the
		// event says so), no later than now by our clock. Refused as bad
		// data, it would never be learned, though it is good. Further
		// ahead is no clock drift (a time zone or year wrong): refused.
		in.CompletedAt = now
	}
	sh, err := domain.NewShipment(in, s.base, now)
	if err != nil {
		if !apperr.IsKind(err, apperr.KindInvalid) {
			return 0, "", err
		}
		reason := apperr.Summary(err)
		if id := domain.RejectionID(in.ShipmentID); id != "" {
			if err := repo.RecordRejections(ctx, SourceEvent, []Rejection{{ShipmentID: id, Reason: reason}}, now); err != nil {
				return 0, "", err
			}
		}
		return OutcomeRejected, reason, nil
	}
	added, err := repo.AddShipments(ctx, []domain.Shipment{sh}, SourceEvent)
	if err != nil {
		return 0, "", err
	}
	if !added[0] {
		return OutcomeDuplicate, "", nil
	}
	return OutcomeAdded, "", nil
}
