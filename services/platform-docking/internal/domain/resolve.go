package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Resolution is an operator's decision on a settlement line docking could
// not match. Without one a mismatch or a missing line stays open for good,
// and so does a payout that includes it.
type Resolution string

// The resolutions of a settlement line.
const (
	// ResolutionAccept credits a mismatch as the partner stated it (its
	// gross and fees), split over the order's sub-orders as a matched line
	// is; what we expected stays on the line beside it for audit.
	ResolutionAccept Resolution = "accept"
	// ResolutionDismiss closes a missing or mismatched line with no credit
	// (a line for an order that is not ours, say).
	ResolutionDismiss Resolution = "dismiss"
)

// MaxResolutionNote bounds an operator's note, in characters.
const MaxResolutionNote = 2000

// maxLineID bounds a partner's line id as an operator may send it; the
// partners' ids are far shorter.
const maxLineID = 256

// LineResolution is the audit record of a resolved line: the state docking
// had left it in, the operator's reason, who resolved it and when.
type LineResolution struct {
	From SettlementState
	Note string
	By   string
	At   time.Time
}

// Refusals of a resolution.
var (
	ErrLineMatched = apperr.FailedPrecondition("the line matched our order and was credited: there is nothing to resolve").
			WithReason("LINE_MATCHED")
	ErrLineNotReconciled = apperr.FailedPrecondition("the line is not reconciled yet: the next settlement round reconciles it").
				WithReason("LINE_NOT_RECONCILED")
	ErrLineOrderMissing = apperr.FailedPrecondition("the line's order was never imported, so there is nothing to credit it to: dismiss it, or wait for the order").
				WithReason("LINE_ORDER_MISSING")
	ErrLineResolvedOtherwise = apperr.FailedPrecondition("the line was already resolved the other way").
					WithReason("LINE_RESOLVED_OTHERWISE")
	// ErrLineUnreadable refuses to accept a line docking could not read:
	// there are no partner figures to credit.
	ErrLineUnreadable = apperr.FailedPrecondition("the line could not be read, so there are no partner figures to accept: dismiss it once settled otherwise").
				WithReason("LINE_UNREADABLE")
	// ErrPayoutRecorded refuses to resolve a payout finance already recorded
	// in full from our virtual account: there is nothing to decide.
	ErrPayoutRecorded = apperr.FailedPrecondition("finance recorded the payout from what was credited: there is nothing to resolve").
				WithReason("PAYOUT_RECORDED")
	// ErrPayoutReadable refuses to dismiss a payout docking read whole
	// (perhaps since the operator looked: the partner sent it again, or
	// docking's reading was fixed): dismissing it would drop a payout that
	// can be recorded.
	ErrPayoutReadable = apperr.FailedPrecondition("the payout reads whole: it is recorded, not dismissed; look at it again").
				WithReason("PAYOUT_READABLE")
	// ErrPayoutUnreadable refuses to record a payout docking could not read
	// whole: there is no amount to record, only a dismissal.
	ErrPayoutUnreadable = apperr.FailedPrecondition("the payout could not be read whole: it can only be dismissed").
				WithReason("PAYOUT_UNREADABLE")
)

// ValidateResolution checks an operator's request before anything is read,
// naming every bad field as the API spells it. The note is required: a
// resolution moves money or closes a line for good, and whoever audits it
// later needs the reason.
func ValidateResolution(lineID string, r Resolution, note string) error {
	var v apperr.Violations
	checkPartnerID(&v, "line_id", lineID, maxLineID)
	if r != ResolutionAccept && r != ResolutionDismiss {
		v.Add("resolution", "must be ACCEPT_PARTNER_FIGURES or DISMISS")
	}
	checkNote(&v, note, "say why the line is resolved this way")
	return v.Err()
}

// ValidatePayoutResolution checks an operator's resolution of a payout
// before anything is read: the payout id, and the note, required as a
// line's is (the resolution books money nobody can attribute yet).
func ValidatePayoutResolution(payoutID, note string) error {
	var v apperr.Violations
	checkPartnerID(&v, "payout_id", payoutID, MaxPayoutID)
	checkNote(&v, note, "say why the payout is recorded beyond what was credited, or dismissed")
	return v.Err()
}

// checkPartnerID adds a violation for a missing or long partner-given id.
func checkPartnerID(v *apperr.Violations, field, id string, most int) {
	switch n := utf8.RuneCountInString(id); {
	case n == 0:
		v.Add(field, "is required")
	case n > most:
		v.Add(field, fmt.Sprintf("must be at most %d characters", most))
	}
}

// checkNote adds a violation for a missing, long or garbled resolution
// note; why is what a missing note should have said.
func checkNote(v *apperr.Violations, note, why string) {
	switch n := utf8.RuneCountInString(note); {
	case strings.TrimSpace(note) == "":
		v.Add("note", "is required: "+why)
	case n > MaxResolutionNote:
		v.Add("note", "must be at most 2000 characters")
	case strings.IndexFunc(note, func(c rune) bool { return unicode.IsControl(c) && c != '\n' && c != '\t' }) >= 0:
		v.Add("note", "must not contain control characters other than line breaks and tabs")
	}
}

// Resolve decides what resolution r does to a line in state st: the state
// it takes, or replay when the line already took exactly that resolution,
// so the same request again answers the line as it is. A matched line (it
// was credited), a line not reconciled yet, accepting a line whose order we
// never imported or one that could not be read, and a line resolved the
// other way are refused.
func Resolve(st SettlementState, r Resolution) (next SettlementState, replay bool, err error) {
	want := SettlementDismissed
	if r == ResolutionAccept {
		want = SettlementAccepted
	} else if r != ResolutionDismiss {
		return "", false, apperr.InvalidField("resolution", "must be ACCEPT_PARTNER_FIGURES or DISMISS")
	}
	switch st {
	case want:
		return st, true, nil
	case SettlementAccepted, SettlementDismissed:
		return "", false, ErrLineResolvedOtherwise
	case SettlementMatched:
		return "", false, ErrLineMatched
	case SettlementMissing:
		if r == ResolutionAccept {
			return "", false, ErrLineOrderMissing
		}
		return want, false, nil
	case SettlementMismatch:
		return want, false, nil
	case SettlementUnreadable:
		if r == ResolutionAccept {
			return "", false, ErrLineUnreadable
		}
		return want, false, nil
	default:
		return "", false, ErrLineNotReconciled
	}
}

// CheckAcceptable reports whether a mismatched line can be credited as the
// partner stated it over its order's sub-orders, part by part exactly as
// SplitLine splits a matched line: the gross and fees in the order's
// currency, and every part a positive gross bearing its fees. Finance
// refuses any other part, and a line credited in part could then be
// neither completed nor taken back.
func CheckAcceptable(l SettlementLine, subs []SettledSubOrder) error {
	refuse := func(why string) error {
		return apperr.FailedPrecondition("the partner's figures cannot be credited: " + why).WithReason("LINE_NOT_CREDITABLE")
	}
	if len(subs) == 0 {
		return ErrLineOrderMissing
	}
	for _, s := range subs {
		if l.Gross.Currency != s.Currency || l.Fees.Currency != s.Currency {
			return refuse("the line is not in the order's currency " + s.Currency)
		}
	}
	if l.Gross.Amount <= 0 || l.Fees.Amount < 0 || l.Fees.Amount > l.Gross.Amount {
		return refuse("the fees must be between zero and a positive gross")
	}
	for _, c := range SplitLine(l.LineID, l.Gross.Amount, l.Fees.Amount, subs) {
		if c.GrossMinor <= 0 || c.FeesMinor > c.GrossMinor {
			return refuse("sub-order " + c.SubOrderID + "'s part would be " + itoa(c.GrossMinor) + " with fees of " + itoa(c.FeesMinor))
		}
	}
	return nil
}
