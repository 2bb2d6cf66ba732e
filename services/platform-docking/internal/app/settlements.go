package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// openLinesBatch bounds the lines one round reconciles.
const openLinesBatch = 200

// payoutsBatch bounds the payouts one round records.
const payoutsBatch = 100

// reasonCreditsExceedDebits is finance refusing a withdrawal larger than
// the virtual account holds.
const reasonCreditsExceedDebits = "CREDITS_EXCEED_DEBITS"

// pullSettlements reads one window of a partner's settlement lines into
// the store (each line once), then reconciles the open ones, then pulls and
// records the partner's payouts. The window is the order pull's: overlap
// and lag, moved on only once stored, read on from where a failed pull
// stopped. The lines stored are reconciled even when the window's read
// failed, so a partner failing a share of its calls delays no line already
// read.
func (t *Trade) pullSettlements(ctx context.Context, p domain.Partner, conn SettlementConnector) error {
	st, err := t.store.PullState(ctx, p.ID, t.start(p))
	if err != nil {
		return err
	}
	var readErr error
	if w, ok := t.windowToRead(st.SettlementWatermark, st.Reading(ReadingSettlements)); ok {
		readErr = windowRead[domain.SettlementLine]{
			list: func(ctx context.Context, w domain.Window, page string) ([]domain.SettlementLine, string, error) {
				res, err := conn.ListSettlements(ctx, p, w, page)
				return res.Lines, res.Next, err
			},
			at: func(l domain.SettlementLine) time.Time { return l.SettledAt },
			take: func(ctx context.Context, lines []domain.SettlementLine) error {
				for _, l := range lines {
					if err := t.keepLine(ctx, p, l); err != nil {
						return err
					}
				}
				return nil
			},
			reading: func(ctx context.Context, rest domain.Window) error {
				return t.store.SaveReading(ctx, p.ID, ReadingSettlements, rest)
			},
		}.read(ctx, w)
		if readErr == nil {
			readErr = t.store.SaveSettlementWatermark(ctx, p.ID, w.To, t.clock())
		}
	}
	if err := t.rereadUnreadable(ctx, p, conn); err != nil {
		return errors.Join(readErr, err)
	}
	if err := t.reconcile(ctx, p); err != nil || readErr != nil {
		return errors.Join(readErr, err)
	}
	return t.pullPayouts(ctx, p, conn, st)
}

// keepLine stores a pulled line once: new, to be reconciled, or unreadable
// (domain.CheckedLine), for an operator, its time the first sight of it
// when it has none (so lists of lines page past it). An unreadable line
// stored before as read is left so (SaveSettlementLine).
func (t *Trade) keepLine(ctx context.Context, p domain.Partner, l domain.SettlementLine) error {
	state, now := LineNew, t.clock()
	if len(l.Problems) > 0 {
		state = domain.SettlementUnreadable
		if l.SettledAt.IsZero() {
			l.SettledAt = now
		}
		if _, err := t.store.GetLine(ctx, p.ID, l.LineID); apperr.IsKind(err, apperr.KindNotFound) {
			t.log.Error("a partner settlement line could not be read; kept for an operator, not credited",
				"partner", p.Code, "line_id", l.LineID, "problems", l.Problems)
		}
	}
	return t.store.SaveSettlementLine(ctx, StoredLine{PartnerID: p.ID, SettlementLine: l, State: state, FirstSeenAt: now})
}

// rereadUnreadable reads a partner's unreadable lines again from what was
// kept of them: one that reads whole now (our reading fixed since) is
// stored as read, and reconciled with the others.
func (t *Trade) rereadUnreadable(ctx context.Context, p domain.Partner, conn SettlementConnector) error {
	list := func(page string) ([]StoredLine, string, error) {
		return t.store.ListLines(ctx, LineFilter{PartnerID: p.ID, State: domain.SettlementUnreadable, Limit: openLinesBatch, Page: page})
	}
	return eachPage(list, func(u StoredLine) error {
		if domain.NeverReadsWhole(u.LineID, u.Problems) {
			return nil
		}
		l, err := conn.ReadSettlementLine(u.Raw)
		if err != nil || len(l.Problems) > 0 || l.LineID != u.LineID {
			return nil // still unreadable
		}
		t.log.Info("an unreadable partner settlement line reads whole now", "partner", p.Code, "line_id", l.LineID)
		return t.store.SaveSettlementLine(ctx, StoredLine{PartnerID: p.ID, SettlementLine: l, State: LineNew, FirstSeenAt: u.FirstSeenAt})
	})
}

// eachPage calls each on every record of every page list answers, from the
// first, and stops at the first error.
func eachPage[T any](list func(page string) ([]T, string, error), each func(T) error) error {
	page := ""
	for {
		records, next, err := list(page)
		if err != nil {
			return err
		}
		for _, r := range records {
			if err := each(r); err != nil {
				return err
			}
		}
		if page = next; page == "" {
			return nil
		}
	}
}

// pullPayouts reads one window of a partner's payouts into the store (each
// once; its own watermark, the same lag and overlap), then records the
// ones not recorded yet. It runs after the lines are reconciled, so a
// payout of lines matched this round finds them credited.
func (t *Trade) pullPayouts(ctx context.Context, p domain.Partner, conn SettlementConnector, st PullState) error {
	if w, ok := t.windowToRead(st.PayoutWatermark, st.Reading(ReadingPayouts)); ok {
		err := windowRead[domain.Payout]{
			list: func(ctx context.Context, w domain.Window, page string) ([]domain.Payout, string, error) {
				res, err := conn.ListPayouts(ctx, p, w, page)
				return res.Payouts, res.Next, err
			},
			at: func(po domain.Payout) time.Time { return po.PaidAt },
			take: func(ctx context.Context, payouts []domain.Payout) error {
				for _, po := range payouts {
					if err := t.keepPayout(ctx, p, po); err != nil {
						return err
					}
				}
				return nil
			},
			reading: func(ctx context.Context, rest domain.Window) error {
				return t.store.SaveReading(ctx, p.ID, ReadingPayouts, rest)
			},
		}.read(ctx, w)
		if err != nil {
			return err
		}
		if err := t.store.SavePayoutWatermark(ctx, p.ID, w.To, t.clock()); err != nil {
			return err
		}
	}
	if err := t.rereadUnreadablePayouts(ctx, p, conn); err != nil {
		return err
	}
	return t.recordPayouts(ctx, p)
}

// keepPayout stores a pulled payout once: to be recorded, or unreadable
// (domain.CheckedPayout), for an operator, its time the first sight of
// it when it has none (so lists of payouts page past it).
func (t *Trade) keepPayout(ctx context.Context, p domain.Partner, po domain.Payout) error {
	now := t.clock()
	if len(po.Problems) > 0 {
		if po.PaidAt.IsZero() {
			po.PaidAt = now
		}
		if _, err := t.store.GetPayout(ctx, p.ID, po.PayoutID); apperr.IsKind(err, apperr.KindNotFound) {
			t.log.Error("a partner payout could not be read; kept for an operator, not recorded",
				"partner", p.Code, "payout_id", po.PayoutID, "problems", po.Problems)
		}
	}
	return t.store.SavePayout(ctx, StoredPayout{PartnerID: p.ID, Payout: po, FirstSeenAt: now})
}

// rereadUnreadablePayouts reads a partner's unreadable payouts again from
// what was kept of them: one that reads whole now (our reading fixed
// since) is stored as read, and recorded with the others.
func (t *Trade) rereadUnreadablePayouts(ctx context.Context, p domain.Partner, conn SettlementConnector) error {
	list := func(page string) ([]StoredPayout, string, error) {
		return t.store.ListPayouts(ctx, PayoutFilter{PartnerID: p.ID, State: PayoutUnreadable, Limit: payoutsBatch, Page: page})
	}
	return eachPage(list, func(u StoredPayout) error {
		if domain.NeverReadsWhole(u.PayoutID, u.Problems) {
			return nil
		}
		po, err := conn.ReadPayout(u.Raw)
		if err != nil || len(po.Problems) > 0 || po.PayoutID != u.PayoutID {
			return nil // still unreadable
		}
		t.log.Info("an unreadable partner payout reads whole now", "partner", p.Code, "payout_id", po.PayoutID)
		return t.store.SavePayout(ctx, StoredPayout{PartnerID: p.ID, Payout: po, FirstSeenAt: u.FirstSeenAt})
	})
}

// recordPayouts records a partner's unrecorded payouts in finance as
// withdrawals from our virtual account there, each idempotent on the
// partner and payout id. One finance refuses because the account does not
// hold it yet (the partner paid out lines we have not matched) keeps the
// refusal and waits for a later round, or for an operator's resolution;
// one refused for good keeps the refusal for an operator; either way the
// later payouts go on. Finance failing for now ends the round.
func (t *Trade) recordPayouts(ctx context.Context, p domain.Partner) error {
	due, err := t.store.UnrecordedPayouts(ctx, p.ID, payoutsBatch)
	if err != nil {
		return err
	}
	for _, po := range due {
		if err := t.recordPayout(ctx, p, po); err != nil {
			return err
		}
	}
	return nil
}

// recordPayout asks finance to record one payout, the excess over the
// virtual account booked unallocated when an operator resolved it, and
// saves finance's answer.
func (t *Trade) recordPayout(ctx context.Context, p domain.Partner, po StoredPayout) error {
	unallocated, err := t.finance.RecordPartnerWithdrawal(ctx, p.ID, po.PayoutID, po.Amount, po.Resolution != nil)
	var ae *apperr.Error
	switch {
	case err == nil:
		now := t.clock()
		return t.store.SavePayoutRecord(ctx, p.ID, po.PayoutID, &now, unallocated, "")
	case errors.As(err, &ae) && ae.Kind == apperr.KindFailedPrecondition && ae.Reason == reasonCreditsExceedDebits:
		t.log.Warn("a partner payout exceeds what finance holds for the partner; recorded once its lines are credited or an operator resolves it",
			"partner", p.Code, "payout_id", po.PayoutID, "amount", po.Amount.Amount, "currency", po.Amount.Currency)
		return t.store.SavePayoutRecord(ctx, p.ID, po.PayoutID, nil, 0, err.Error())
	case apperr.Permanent(err):
		// Refused for good (an amount finance does not take): kept with the
		// refusal for an operator, asked again each round in case finance
		// changes its mind, and holding up none of the partner's later
		// payouts.
		t.log.Error("finance refuses a partner payout; it needs an operator",
			"partner", p.Code, "payout_id", po.PayoutID, "amount", po.Amount.Amount, "currency", po.Amount.Currency, "error", err)
		return t.store.SavePayoutRecord(ctx, p.ID, po.PayoutID, nil, 0, err.Error())
	default:
		return fmt.Errorf("recording payout %s: %w", po.PayoutID, err)
	}
}

// reconcile credits a partner's lines whose credit is still due, then
// matches its open lines against our orders: a line whose order we
// imported and whose amounts agree with the order and the partner's terms
// (those in force at the order's import) is matched and credited; a line for an order we never imported stays
// missing (and is looked at again, in case the order arrives late); a line
// that differs is a mismatch for operators. A line's state is saved before
// its credit, and only while the line is still open, so an operator's
// dismissal and the round's match never both win a line; the credit then
// follows, and one that fails is due again next round.
func (t *Trade) reconcile(ctx context.Context, p domain.Partner) error {
	if err := t.creditDue(ctx, p.ID); err != nil {
		return err
	}
	open, err := t.store.OpenLines(ctx, p.ID, openLinesBatch)
	if err != nil {
		return err
	}
	for _, l := range open {
		pulled, seen, err := t.store.GetPulledOrder(ctx, p.ID, l.PartnerOrderID)
		if err != nil {
			return err
		}
		imported := seen && pulled.State == PulledImported
		var settled []domain.SettledSubOrder
		settledBy := ""
		if imported {
			if settled, err = t.settledSubOrders(ctx, p.ID, l.PartnerOrderID); err != nil {
				return err
			}
			if settledBy, err = t.store.LineSettling(ctx, p.ID, l.PartnerOrderID, l.LineID); err != nil {
				return err
			}
			l.OrderID = pulled.OrderID
		}
		terms := p.Terms()
		if pulled.Terms != nil {
			terms = *pulled.Terms
		}
		l.Expected = domain.ExpectedSettlement(terms, settled)
		l.State = domain.Reconcile(l.SettlementLine, imported, l.Expected, settledBy)
		if settledBy != "" {
			// Nothing more was expected for an order already settled.
			l.Expected = domain.Expected{Currency: l.Expected.Currency}
			t.log.Error("a second partner settlement line for an order another line settled; left for an operator, not credited",
				"partner", p.Code, "line_id", l.LineID, "settled_by", settledBy, "partner_order_id", l.PartnerOrderID)
		}
		now := t.clock()
		l.ReconciledAt = &now
		saved, err := t.store.SaveLineState(ctx, l)
		if err != nil {
			return err
		}
		if !saved {
			continue // an operator resolved it meanwhile
		}
		if l.State == domain.SettlementMismatch && settledBy == "" {
			t.log.Error("a partner settlement line does not match our order", "partner", p.Code, "line_id", l.LineID,
				"partner_order_id", l.PartnerOrderID, "gross", l.Gross.Amount, "expected_gross", l.Expected.GrossMinor,
				"fees", l.Fees.Amount, "expected_fees", l.Expected.FeesMinor)
		}
		if l.State.Credited() {
			if err := t.credit(ctx, p.ID, l, settled); err != nil {
				return err
			}
		}
	}
	return nil
}

// creditDue credits a partner's matched and accepted lines whose credit
// did not complete: finance failed or its answer was lost, or an
// operator's accept ended before its credit did.
func (t *Trade) creditDue(ctx context.Context, partnerID uuid.UUID) error {
	due, err := t.store.UncreditedLines(ctx, partnerID, openLinesBatch)
	if err != nil {
		return err
	}
	for _, l := range due {
		settled, err := t.settledSubOrders(ctx, partnerID, l.PartnerOrderID)
		if err != nil {
			return err
		}
		if err := t.credit(ctx, partnerID, l, settled); err != nil {
			return err
		}
	}
	return nil
}

// credit credits a line (creditLine) and returns what must end the round:
// finance down or slow (the next round starts again from the first line
// due). A refusal for good (finance's answer, not its absence) is logged
// and the line stays due, behind every line never refused (so that a
// batch of refused lines at the head of the queue does not starve the
// ones behind it), and the round goes on to the partner's other lines.
func (t *Trade) credit(ctx context.Context, partnerID uuid.UUID, l StoredLine, settled []domain.SettledSubOrder) error {
	err := t.creditLine(ctx, partnerID, l, settled)
	if !apperr.Permanent(err) {
		return err
	}
	t.log.Error("finance refuses a settlement line's credit; the line stays due and the partner's other lines go on",
		"partner_id", partnerID, "line_id", l.LineID, "partner_order_id", l.PartnerOrderID, "error", err)
	return t.store.MarkLineCreditRefused(ctx, partnerID, l.LineID, t.clock())
}

// creditLine is the one way money leaves a settlement line: a matched or
// accepted line's gross and fees split over its order's sub-orders
// (domain.SplitLine), each part credited through finance's
// CreditPartnerSettlement, idempotent on the line and sub-order, so a
// retry after a lost answer credits nothing twice; then the line is marked
// credited.
func (t *Trade) creditLine(ctx context.Context, partnerID uuid.UUID, l StoredLine, settled []domain.SettledSubOrder) error {
	for _, c := range domain.SplitLine(l.LineID, l.Gross.Amount, l.Fees.Amount, settled) {
		if err := t.finance.CreditPartnerSettlement(ctx, partnerID, l.Gross.Currency, c); err != nil {
			return fmt.Errorf("crediting line %s: %w", l.LineID, err)
		}
	}
	return t.store.MarkLineCredited(ctx, partnerID, l.LineID, t.clock())
}

// settledSubOrders returns the sub-orders an imported partner order's
// settlement is split over.
func (t *Trade) settledSubOrders(ctx context.Context, partnerID uuid.UUID, partnerOrderID string) ([]domain.SettledSubOrder, error) {
	subs, err := t.store.SubOrdersOf(ctx, partnerID, partnerOrderID)
	if err != nil {
		return nil, err
	}
	settled := make([]domain.SettledSubOrder, len(subs))
	for i, s := range subs {
		settled[i] = s.SettledSubOrder
	}
	return settled, nil
}
