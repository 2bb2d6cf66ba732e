package app

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Run runs docking's jobs until ctx ends: every round (or when nudged) it
// pushes queued products, reads pending listings' verdicts, pulls the
// orders partners notified, pulls each verified partner's orders and
// settlements when they are due, and confirms waybills. Each partner's
// pulls run on one replica at a time; a partner rate limiting us is left
// alone until it said to come back.
func (t *Trade) Run(ctx context.Context) error {
	if err := t.QueueAllProducts(ctx); err != nil && ctx.Err() == nil {
		t.log.Warn("queueing every listed product for a push failed; events still queue them", "error", err)
	}
	tick := time.NewTicker(t.timing.Round)
	defer tick.Stop()
	for {
		started := time.Now()
		if err := t.Round(ctx); err != nil && ctx.Err() == nil {
			t.log.Error("a docking round failed", "error", err)
		}
		if !waitForRound(ctx, tick.C, t.wake, t.timing.RoundGap-time.Since(started)) {
			return nil
		}
	}
}

// waitForRound waits for the next round: the ticker's, or an event's nudge
// but not before gap has passed, so a burst of events (every stock change
// of a busy store asks for one) shares a round instead of each running all
// the jobs. It reports false when ctx ends.
func waitForRound(ctx context.Context, tick <-chan time.Time, wake <-chan struct{}, gap time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-tick:
		return true
	case <-wake:
		if gap <= 0 {
			return true
		}
		return sleepFor(ctx, gap) == nil
	}
}

// Round runs every job once, the supply platforms' too.
func (t *Trade) Round(ctx context.Context) error {
	all, err := t.partners.ListPartners(ctx)
	if err != nil {
		return err
	}
	now := t.clock()
	var active []domain.Partner
	byCode := map[string]domain.Partner{}
	var errs []error
	var listingsQuietUntil time.Time
	for _, p := range all {
		if p.Status != domain.StatusVerified {
			continue
		}
		st, err := t.store.PullState(ctx, p.ID, t.start(p))
		if err != nil {
			return err
		}
		if st.QuietUntil != nil && st.QuietUntil.After(now) {
			if t.connectors[p.Protocol].Listings != nil && (listingsQuietUntil.IsZero() || st.QuietUntil.Before(listingsQuietUntil)) {
				listingsQuietUntil = *st.QuietUntil
			}
			continue
		}
		active = append(active, p)
		byCode[p.Code] = p
		errs = append(errs, t.partnerJobs(ctx, p, st, now))
	}
	if err := t.queueForNewlyDockable(ctx, all); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, t.pushRound(ctx, active, listingsQuietUntil), t.confirmWaybills(ctx, byCode))
	if t.supply != nil {
		errs = append(errs, t.supply.Round(ctx))
	}
	return errors.Join(errs...)
}

// queueForNewlyDockable queues every listed product when a partner became
// verified since the last round (verified, or resumed after a suspension),
// or changed what decides its listings (its locales, whether it wants a
// passed quality check): the products changed while it could not dock were
// pushed to the others and left the queue, and its listings must catch up
// (or be withdrawn) without waiting for each product to change again. The
// first round after the start has nothing to compare with; the start
// queues every product anyway.
func (t *Trade) queueForNewlyDockable(ctx context.Context, all []domain.Partner) error {
	now := map[uuid.UUID]string{}
	joined := false
	for _, p := range all {
		if p.Status == domain.StatusVerified {
			now[p.ID] = pushTerms(p)
			before, was := t.dockable[p.ID]
			joined = joined || (t.dockable != nil && (!was || before != now[p.ID]))
		}
	}
	if joined {
		if err := t.QueueAllProducts(ctx); err != nil {
			return err // compared again next round
		}
	}
	t.dockable = now
	return nil
}

// pushTerms is what of a partner decides which products go to it and in
// which locale (domain.PushLocale).
func pushTerms(p domain.Partner) string {
	return strings.Join(p.Locales, ",") + "|" + strconv.FormatBool(p.QualityCheckRequired)
}

// A held partner order is read again every heldReread for heldFor after it
// was first seen, heldRereadBatch at a time per round, so one held for a
// passing cause (a status the partner reported once, goods out of stock
// for a while) is placed once the cause is gone; after that only an
// operator's RetryPartnerOrder reads it again.
const (
	heldReread      = 5 * time.Minute
	heldFor         = 24 * time.Hour
	heldRereadBatch = 20
)

// partnerJobs runs one partner's due pulls under its lock: the orders its
// webhooks asked for first, then the periodic ones. A partner rate limiting
// one job is asked nothing more this round.
func (t *Trade) partnerJobs(ctx context.Context, p domain.Partner, st PullState, now time.Time) error {
	c := t.connectors[p.Protocol]
	type job struct {
		kind, name string
		run        func(context.Context) error
	}
	var jobs []job
	if c.Listings != nil {
		jobs = append(jobs, job{JobListingStatus, "listing status", func(ctx context.Context) error { return t.pollListings(ctx, p) }})
	}
	if c.Orders != nil {
		// Its failures are counted per request (the pull_requests queue).
		jobs = append(jobs, job{"", "requested order pull", func(ctx context.Context) error {
			if _, err := t.store.RequestHeldPulls(ctx, p.ID, now, now.Add(-heldReread), now.Add(-heldFor), heldRereadBatch); err != nil {
				return err
			}
			return t.pullRequested(ctx, p, c.Orders)
		}})
		if due(st.LastPullAt, t.timing.PullEvery, now) {
			jobs = append(jobs, job{JobOrderPull, "order pull", func(ctx context.Context) error { return t.pullOrders(ctx, p, c.Orders) }})
		}
	}
	if c.Settlements != nil && due(st.LastSettlementPullAt, t.timing.SettleEvery, now) {
		jobs = append(jobs, job{JobSettlementPull, "settlement pull", func(ctx context.Context) error { return t.pullSettlements(ctx, p, c.Settlements) }})
	}
	var ran jobOutcomes
	_, err := t.store.WithPartnerLock(ctx, p.ID, "pull", func(ctx context.Context) error {
		var errs []error
		for _, j := range jobs {
			err := j.run(ctx)
			if j.kind != "" {
				ran.record(j.kind, err)
			}
			errs = append(errs, t.failed(ctx, p, j.name, err))
			if _, limited := RetryAfter(err); limited {
				break
			}
		}
		return errors.Join(errs...)
	})
	return errors.Join(err, ran.save(func(failed, succeeded []string) error { return t.store.JobsRan(ctx, p.ID, failed, succeeded) }))
}

// jobOutcomes collects which of one owner's periodic jobs failed and which
// succeeded in a round, for the failing-steps gauges; a job stopped by the
// shutdown is neither.
type jobOutcomes struct{ failed, succeeded []string }

func (o *jobOutcomes) record(kind string, err error) {
	switch {
	case err == nil:
		o.succeeded = append(o.succeeded, kind)
	case !errors.Is(err, context.Canceled):
		o.failed = append(o.failed, kind)
	}
}

// save records the round with ran, when any job ran.
func (o jobOutcomes) save(ran func(failed, succeeded []string) error) error {
	if len(o.failed) == 0 && len(o.succeeded) == 0 {
		return nil
	}
	return ran(o.failed, o.succeeded)
}

// The kinds of a partner's periodic jobs, as the failing-steps gauges
// report them (queue "partner_jobs"). The pulls its webhooks request are
// counted per request instead (queue "pull_requests").
const (
	JobListingStatus  = "listing_status"
	JobOrderPull      = "order_pull"
	JobSettlementPull = "settlement_pull"
)

// PartnerJobKinds lists every kind of a partner's periodic jobs.
var PartnerJobKinds = []string{JobListingStatus, JobOrderPull, JobSettlementPull}

// failed records a job's failure on the partner for operators.
func (t *Trade) failed(ctx context.Context, p domain.Partner, job string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	t.log.Warn("a docking job failed; it runs again next round", "partner", p.Code, "job", job, "error", err)
	if rerr := t.store.RecordFailure(ctx, p.ID, job+": "+err.Error(), t.clock(), t.quiet(err)); rerr != nil {
		return errors.Join(err, rerr)
	}
	return nil
}

func due(last *time.Time, every time.Duration, now time.Time) bool {
	return last == nil || !last.Add(every).After(now)
}
