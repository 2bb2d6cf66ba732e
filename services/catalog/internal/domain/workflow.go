package domain

import (
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Actions recorded in a product's history.
const (
	ActionCreated            = "created"
	ActionRevisionCreated    = "revision_created"
	ActionSubmitted          = "submitted"
	ActionApproved           = "approved"
	ActionRevisionApproved   = "revision_approved"
	ActionRejected           = "rejected"
	ActionChangesRequested   = "changes_requested"
	ActionListed             = "listed"
	ActionDelisted           = "delisted"
	ActionDeleted            = "deleted"
	ActionRestored           = "restored"
	ActionQualityCheckPassed = "quality_check_passed"
	ActionQualityCheckFailed = "quality_check_failed"
	ActionTranslated         = "translated"
)

// Transition is one entry of a product's history: who did what, when, why,
// to which revision, and how the product's status changed (From is empty for
// the creation; From equals To when the status did not change).
type Transition struct {
	From     Status
	To       Status
	Action   string
	Actor    string
	Reason   string
	Revision int64
	At       time.Time
}

// Errors of the review workflow.
var (
	ErrProductDeleted = apperr.FailedPrecondition("the product is in the bin; restore it first").
				WithReason("PRODUCT_DELETED")
	ErrProductNotDeleted = apperr.FailedPrecondition("the product is not in the bin").
				WithReason("PRODUCT_NOT_DELETED")
	ErrUnderReview = apperr.FailedPrecondition("the pending revision is waiting for review and cannot be edited").
			WithReason("REVISION_UNDER_REVIEW")
	ErrNothingToSubmit = apperr.FailedPrecondition("there is no draft or sent-back revision to submit").
				WithReason("NOTHING_TO_SUBMIT")
	ErrNotSubmitted = apperr.FailedPrecondition("no revision of this product is waiting for review").
			WithReason("NOT_SUBMITTED")
	ErrNotListable = apperr.FailedPrecondition("only an approved or delisted product can be listed").
			WithReason("NOT_LISTABLE")
	ErrNotListed = apperr.FailedPrecondition("the product is not listed").
			WithReason("NOT_LISTED")
	// ErrRevisionChanged refuses a review decision on a submitted revision
	// that changed since the reviewer read it (sent back, edited and
	// submitted again): the reviewer must read it again.
	ErrRevisionChanged = apperr.FailedPrecondition("the submitted revision changed since it was read; read it again before deciding").
				WithReason("REVISION_CHANGED")
	// ErrEditedSince refuses an edit of content that changed since its
	// editor read it (Product.EditedAsSeen): saving it would overwrite
	// another editor's change unseen.
	ErrEditedSince = apperr.FailedPrecondition("the product's content changed since it was read; read it again before saving").
			WithReason("REVISION_CHANGED")
	// ErrHeldByReview refuses to list a product a reviewer took off sale:
	// a reviewer's approval of a revision of it lifts the hold.
	ErrHeldByReview = apperr.FailedPrecondition("a reviewer took the product off sale; submit a revision for review").
			WithReason("DELISTED_BY_REVIEW")
)

// MaxReason bounds a reviewer's or supplier's reason.
const MaxReason = 1000

func (p *Product) transition(from Status, action, actor, reason string, revision int64, now time.Time) Transition {
	p.UpdatedAt = now
	return Transition{From: from, To: p.Status, Action: action, Actor: actor, Reason: reason, Revision: revision, At: now}
}

func (p *Product) live() error {
	if p.Deleted() {
		return ErrProductDeleted
	}
	return nil
}

// Edit replaces the content of the pending revision. A draft or a revision
// sent back for changes is edited in place (ok false: nothing to log); with
// no pending revision, or a rejected one, a new draft revision starts, and a
// listed product stays on sale with its live revision meanwhile. A revision
// waiting for review cannot be edited.
func (p *Product) Edit(c Content, actor string, now time.Time) (t Transition, ok bool, err error) {
	if err := p.live(); err != nil {
		return Transition{}, false, err
	}
	if err := p.sameCurrency(c); err != nil {
		return Transition{}, false, err
	}
	if r := p.Pending; r != nil {
		switch r.Status {
		case RevisionDraft, RevisionChangesRequested:
			r.Content, r.UpdatedAt, p.UpdatedAt = c, now, now
			return Transition{}, false, nil
		case RevisionSubmitted:
			return Transition{}, false, ErrUnderReview
		}
	}
	from := p.Status
	p.LastRevision++
	p.Pending = &Revision{Number: p.LastRevision, Status: RevisionDraft, Content: c, CreatedAt: now, UpdatedAt: now}
	if p.Live == nil {
		p.Status = StatusDraft
	}
	return p.transition(from, ActionRevisionCreated, actor, "", p.LastRevision, now), true, nil
}

// Submit sends the pending draft (or sent-back) revision to review.
func (p *Product) Submit(actor string, now time.Time) (Transition, error) {
	if err := p.live(); err != nil {
		return Transition{}, err
	}
	r := p.Pending
	if r == nil || (r.Status != RevisionDraft && r.Status != RevisionChangesRequested) {
		return Transition{}, ErrNothingToSubmit
	}
	from := p.Status
	r.Status, r.UpdatedAt = RevisionSubmitted, now
	p.ReviewSince = now
	if p.Live == nil {
		p.Status = StatusSubmitted
	}
	return p.transition(from, ActionSubmitted, actor, "", r.Number, now), nil
}

func (p *Product) submitted() (*Revision, error) {
	if err := p.live(); err != nil {
		return nil, err
	}
	if p.Pending == nil || p.Pending.Status != RevisionSubmitted {
		return nil, ErrNotSubmitted
	}
	return p.Pending, nil
}

// ReviewedAsSeen checks that the submitted revision is the one a reviewer
// read: seen is its updated_at as they read it (zero: not checked). A
// revision sent back and submitted again keeps its number, so only its
// update time tells its content apart.
func (p *Product) ReviewedAsSeen(seen time.Time) error {
	if seen.IsZero() {
		return nil
	}
	r, err := p.submitted()
	if err != nil {
		return err
	}
	return r.changedSince(seen, ErrRevisionChanged)
}

// changedSince is refusal, naming r's update time, when r is not the
// revision as read at seen (compared to the microsecond, as stored), or
// there is no revision; nil when it is.
func (r *Revision) changedSince(seen time.Time, refusal *apperr.Error) error {
	switch {
	case r == nil:
		return refusal
	case !r.UpdatedAt.Truncate(time.Microsecond).Equal(seen.Truncate(time.Microsecond)):
		return refusal.WithMetadata("revision_updated_at", r.UpdatedAt.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// EditedAsSeen checks that an edit starts from the content its editor read:
// seen is the update time of the pending revision they read, or of the live
// one when none was pending (zero: not checked). Another editor's change in
// between (a draft started, edited, submitted, sent back or approved) is
// refused REVISION_CHANGED rather than overwritten.
func (p *Product) EditedAsSeen(seen time.Time) error {
	if seen.IsZero() {
		return nil
	}
	base := p.Pending
	if base == nil {
		base = p.Live
	}
	return base.changedSince(seen, ErrEditedSince)
}

// Approve accepts the submitted revision. A product's first approval makes
// it approved; a later one swaps the revision in for the live one (the
// product stays listed if it was) and returns the revision it replaced.
func (p *Product) Approve(actor string, now time.Time) (t Transition, replaced *Revision, err error) {
	r, err := p.submitted()
	if err != nil {
		return Transition{}, nil, err
	}
	from, replaced := p.Status, p.Live
	r.Status, r.ReviewReason, r.UpdatedAt = RevisionApproved, "", now
	// A reviewer approving new content lifts a takedown's hold.
	p.Live, p.Pending, p.ReviewSince, p.ReviewHold = r, nil, time.Time{}, ""
	action := ActionRevisionApproved
	if replaced == nil {
		p.Status, action = StatusApproved, ActionApproved
	}
	return p.transition(from, action, actor, "", r.Number, now), replaced, nil
}

// Reject refuses the submitted revision with a reason (field "reason").
func (p *Product) Reject(actor, reason string, now time.Time) (Transition, error) {
	return p.sendBack(RevisionRejected, StatusRejected, ActionRejected, actor, reason, now)
}

// RequestChanges sends the submitted revision back to the supplier with a
// reason (field "reason"); the supplier edits it and submits again.
func (p *Product) RequestChanges(actor, reason string, now time.Time) (Transition, error) {
	return p.sendBack(RevisionChangesRequested, StatusChangesRequested, ActionChangesRequested, actor, reason, now)
}

func (p *Product) sendBack(rs RevisionStatus, ps Status, action, actor, reason string, now time.Time) (Transition, error) {
	var v violations
	reason = apperr.CheckLongText(&v, "reason", reason, 1, MaxReason)
	if err := v.Err(); err != nil {
		return Transition{}, err
	}
	r, err := p.submitted()
	if err != nil {
		return Transition{}, err
	}
	from := p.Status
	r.Status, r.ReviewReason, r.UpdatedAt = rs, reason, now
	p.ReviewSince = time.Time{}
	if p.Live == nil {
		p.Status = ps
	}
	return p.transition(from, action, actor, reason, r.Number, now), nil
}

// List puts an approved or delisted product on sale.
func (p *Product) List(actor string, now time.Time) (Transition, error) {
	if err := p.live(); err != nil {
		return Transition{}, err
	}
	if (p.Status != StatusApproved && p.Status != StatusDelisted) || p.Live == nil {
		return Transition{}, ErrNotListable
	}
	if p.ReviewHold != "" {
		return Transition{}, ErrHeldByReview.WithMetadata("reason", p.ReviewHold)
	}
	from := p.Status
	p.Status, p.ListedAt = StatusListed, now
	return p.transition(from, ActionListed, actor, "", p.Live.Number, now), nil
}

// Delist takes a listed product off sale, with an optional reason (field
// "reason").
func (p *Product) Delist(actor, reason string, now time.Time) (Transition, error) {
	var v violations
	reason = apperr.CheckLongText(&v, "reason", reason, 0, MaxReason)
	if err := v.Err(); err != nil {
		return Transition{}, err
	}
	if err := p.live(); err != nil {
		return Transition{}, err
	}
	if p.Status != StatusListed {
		return Transition{}, ErrNotListed
	}
	p.Status = StatusDelisted
	return p.transition(StatusListed, ActionDelisted, actor, reason, p.Live.Number, now), nil
}

// TakeDown is a reviewer taking the product off sale, with a required
// reason (field "reason"): listed, it is delisted; in the bin, it comes
// back delisted. Either way it holds (ReviewHold) until a reviewer
// approves a revision of it submitted after the takedown: a revision
// waiting for review is sent back to its supplier with the takedown's
// reason (a second transition), so approving content submitted before
// the takedown, by a reviewer working the queue, cannot lift the hold.
func (p *Product) TakeDown(actor, reason string, now time.Time) ([]Transition, error) {
	var v violations
	reason = apperr.CheckLongText(&v, "reason", reason, 1, MaxReason)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p.Live == nil {
		return nil, ErrNotListed
	}
	from := p.Status
	if p.Status == StatusListed {
		p.Status = StatusDelisted
	}
	p.ReviewHold = reason
	ts := []Transition{p.transition(from, ActionDelisted, actor, reason, p.Live.Number, now)}
	if r := p.Pending; r != nil && r.Status == RevisionSubmitted {
		r.Status, r.ReviewReason, r.UpdatedAt = RevisionChangesRequested, reason, now
		p.ReviewSince = time.Time{}
		ts = append(ts, p.transition(p.Status, ActionChangesRequested, actor, reason, r.Number, now))
	}
	return ts, nil
}

// Delete moves the product to the bin: hidden from buyers and reviewers, its
// SKUs not reservable. The status is kept, so a restore undoes the delete
// exactly (a listed product comes back on sale).
func (p *Product) Delete(actor string, now time.Time) (Transition, error) {
	if err := p.live(); err != nil {
		return Transition{}, err
	}
	p.DeletedAt = now
	return p.transition(p.Status, ActionDeleted, actor, "", p.currentRevision(), now), nil
}

// Restore takes the product out of the bin.
func (p *Product) Restore(actor string, now time.Time) (Transition, error) {
	if !p.Deleted() {
		return Transition{}, ErrProductNotDeleted
	}
	p.DeletedAt = time.Time{}
	return p.transition(p.Status, ActionRestored, actor, "", p.currentRevision(), now), nil
}

// RecordQualityCheck records a quality-check result with notes (field
// "notes"); it replaces the previous one.
func (p *Product) RecordQualityCheck(passed bool, notes, actor string, now time.Time) (Transition, error) {
	var v violations
	notes = apperr.CheckLongText(&v, "notes", notes, 0, 2000)
	if err := v.Err(); err != nil {
		return Transition{}, err
	}
	if err := p.live(); err != nil {
		return Transition{}, err
	}
	p.QualityCheck = &QualityCheck{Passed: passed, Notes: notes, CheckedBy: actor, CheckedAt: now}
	action := ActionQualityCheckFailed
	if passed {
		action = ActionQualityCheckPassed
	}
	return p.transition(p.Status, action, actor, notes, p.currentRevision(), now), nil
}

// currentRevision is the revision an action on the whole product concerns:
// the live one, else the pending one.
func (p *Product) currentRevision() int64 {
	if p.Live != nil {
		return p.Live.Number
	}
	if p.Pending != nil {
		return p.Pending.Number
	}
	return 0
}

// sameCurrency refuses content priced in another currency than the live
// revision's: a product has one currency, which its tier prices, its price
// events and the orders holding its SKUs rely on.
func (p *Product) sameCurrency(c Content) error {
	if p.Live == nil || len(p.Live.Content.SKUs) == 0 || len(c.SKUs) == 0 {
		return nil
	}
	want := p.Live.Content.SKUs[0].RetailPrice.Currency
	if got := c.SKUs[0].RetailPrice.Currency; got != want {
		return apperr.InvalidField(apperr.Index("content.skus", 0, "retail_price")+".currency_code",
			"must be "+want+", the listed product's currency: a product keeps one currency")
	}
	return nil
}
