package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Round runs the supply jobs once, unless another replica is running
// them: for each platform not asking us to wait, the listing of approved
// products and the catalogue import (the products deferred for a review
// first) when due, then the stock sync when due; then the purchase orders
// due.
func (s *Supply) Round(ctx context.Context) error {
	_, err := s.store.WithSupplyLock(ctx, s.round)
	return err
}

func (s *Supply) round(ctx context.Context) error {
	platforms, err := s.store.ListSupplyPlatforms(ctx)
	if err != nil {
		return err
	}
	now := s.clock()
	byID := make(map[uuid.UUID]domain.SupplyPlatform, len(platforms))
	quiet := map[uuid.UUID]bool{}
	var errs []error
	for _, p := range platforms {
		byID[p.ID] = p
		if err := p.ValidateTransport(s.plaintext); err != nil {
			// Registered while plaintext was allowed: nothing is sent to it,
			// and its sub-orders wait queued (not held) until an operator
			// gives it an https endpoint.
			quiet[p.ID] = true
			errs = append(errs, s.failed(ctx, p, "calls", errSupplyPlaintext, quiet))
			continue
		}
		st, err := s.store.SupplyState(ctx, p.ID)
		if err != nil {
			return err
		}
		if st.QuietUntil != nil && st.QuietUntil.After(now) {
			quiet[p.ID] = true
			continue
		}
		var ran jobOutcomes
		run := func(kind, name string, job func() error) {
			err := job()
			ran.record(kind, err)
			errs = append(errs, s.failed(ctx, p, name, err, quiet))
		}
		if due(st.LastImportAt, s.timing.ImportEvery, now) {
			// Approved products go on sale before a newer version of them is
			// imported, which would start a new review.
			run(JobSupplyListing, "listing approved products", func() error { return s.listApproved(ctx, p) })
			if !quiet[p.ID] {
				run(JobSupplyImport, "catalogue import", func() error {
					return errors.Join(s.retryDeferred(ctx, p), s.importCatalogue(ctx, p, st))
				})
			}
		}
		if !quiet[p.ID] && due(st.LastStockSyncAt, s.timing.StockEvery, now) {
			run(JobSupplyStock, "stock sync", func() error { return s.syncStock(ctx, p) })
		}
		errs = append(errs, ran.save(func(failed, succeeded []string) error { return s.store.SupplyJobsRan(ctx, p.ID, failed, succeeded) }))
	}
	errs = append(errs, s.workSupplyOrders(ctx, byID, quiet))
	return errors.Join(errs...)
}

// The kinds of a supply platform's periodic jobs, as the failing-steps
// gauges report them (queue "supply_jobs"). Products waiting for a review
// are not failures of the import; see ReviewOverdueAfter.
const (
	JobSupplyListing = "approved_listing"
	JobSupplyImport  = "catalogue_import"
	JobSupplyStock   = "stock_sync"
)

// SupplyJobKinds lists every kind of a supply platform's periodic jobs.
var SupplyJobKinds = []string{JobSupplyListing, JobSupplyImport, JobSupplyStock}

// errSupplyPlaintext is a platform whose endpoint is not https where the
// installation reaches platforms over TLS only.
var errSupplyPlaintext = apperr.FailedPrecondition("the platform's endpoint is not https: this installation reaches supply platforms over TLS only; edit its endpoint").
	WithReason("PARTNER_PLAINTEXT")

// failed records a job's failure on the platform for operators; a rate
// limit keeps every job off it for as long as it asked.
func (s *Supply) failed(ctx context.Context, p domain.SupplyPlatform, job string, err error, quiet map[uuid.UUID]bool) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	s.log.Warn("a supply job failed; it runs again next round", "platform", p.Code, "job", job, "error", err)
	var until time.Time
	if after, ok := RetryAfter(err); ok {
		until, quiet[p.ID] = s.clock().Add(max(after, time.Second)), true
	}
	return s.store.RecordSupplyFailure(ctx, p.ID, errString(job, err), s.clock(), until)
}
