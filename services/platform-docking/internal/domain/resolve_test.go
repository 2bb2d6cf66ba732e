package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// reasonOf is an error's apperr reason, or its kind when it has none.
func reasonOf(err error) string {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return ""
	}
	return e.ReasonOrKind()
}

func TestResolve(t *testing.T) {
	accept, dismiss := domain.ResolutionAccept, domain.ResolutionDismiss
	tests := []struct {
		state      domain.SettlementState
		r          domain.Resolution
		want       domain.SettlementState
		wantReplay bool
		wantReason string
	}{
		{domain.SettlementMismatch, accept, domain.SettlementAccepted, false, ""},
		{domain.SettlementMismatch, dismiss, domain.SettlementDismissed, false, ""},
		{domain.SettlementMissing, dismiss, domain.SettlementDismissed, false, ""},
		{domain.SettlementMissing, accept, "", false, "LINE_ORDER_MISSING"},
		{domain.SettlementMatched, accept, "", false, "LINE_MATCHED"},
		{domain.SettlementMatched, dismiss, "", false, "LINE_MATCHED"},
		{"new", accept, "", false, "LINE_NOT_RECONCILED"},
		{"new", dismiss, "", false, "LINE_NOT_RECONCILED"},
		{domain.SettlementAccepted, accept, domain.SettlementAccepted, true, ""},
		{domain.SettlementDismissed, dismiss, domain.SettlementDismissed, true, ""},
		{domain.SettlementAccepted, dismiss, "", false, "LINE_RESOLVED_OTHERWISE"},
		{domain.SettlementDismissed, accept, "", false, "LINE_RESOLVED_OTHERWISE"},
		{domain.SettlementMismatch, "refund", "", false, apperr.KindInvalid.String()},
		{domain.SettlementUnreadable, dismiss, domain.SettlementDismissed, false, ""},
		{domain.SettlementUnreadable, accept, "", false, "LINE_UNREADABLE"},
	}
	for _, tt := range tests {
		t.Run(string(tt.state)+" "+string(tt.r), func(t *testing.T) {
			next, replay, err := domain.Resolve(tt.state, tt.r)
			if got := reasonOf(err); got != tt.wantReason || (err == nil) != (tt.wantReason == "") {
				t.Fatalf("error %v, want reason %q", err, tt.wantReason)
			}
			if next != tt.want || replay != tt.wantReplay {
				t.Errorf("Resolve = %q replay %v, want %q replay %v", next, replay, tt.want, tt.wantReplay)
			}
		})
	}
}

func TestResolvedStatesCredit(t *testing.T) {
	for st, want := range map[domain.SettlementState]bool{
		domain.SettlementMatched: true, domain.SettlementAccepted: true,
		domain.SettlementMissing: false, domain.SettlementMismatch: false, domain.SettlementDismissed: false, "new": false,
		domain.SettlementUnreadable: false,
	} {
		if got := st.Credited(); got != want {
			t.Errorf("%s.Credited() = %v, want %v", st, got, want)
		}
	}
}

func TestValidateResolution(t *testing.T) {
	tests := []struct {
		name       string
		lineID     string
		r          domain.Resolution
		note       string
		wantFields []string
	}{
		{"valid", "st-1", domain.ResolutionAccept, "The partner's promotion lowered the price; agreed by phone.", nil},
		{"a note over lines", "st-1", domain.ResolutionDismiss, "Not our order.\n\tSeen on the partner's back office.", nil},
		{"nothing", "", "", "", []string{"line_id", "resolution", "note"}},
		{"a blank note", "st-1", domain.ResolutionDismiss, " \n ", []string{"note"}},
		{"a long note", "st-1", domain.ResolutionDismiss, strings.Repeat("é", domain.MaxResolutionNote+1), []string{"note"}},
		{"a control character", "st-1", domain.ResolutionDismiss, "ok\x00", []string{"note"}},
		{"a long line id", strings.Repeat("x", 257), domain.ResolutionDismiss, "n", []string{"line_id"}},
		{"an unknown resolution", "st-1", "refund", "n", []string{"resolution"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateResolution(tt.lineID, tt.r, tt.note)
			var e *apperr.Error
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if !errors.As(err, &e) || e.Kind != apperr.KindInvalid {
				t.Fatalf("error %v, want InvalidArgument", err)
			}
			var fields []string
			for _, v := range e.Violations {
				fields = append(fields, v.Field)
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Errorf("violations on %v, want %v", fields, tt.wantFields)
			}
		})
	}
}

func TestCheckAcceptable(t *testing.T) {
	subs := []domain.SettledSubOrder{{SubOrderID: "s1", SupplierID: "a", Currency: "EUR", GoodsMinor: 3600},
		{SubOrderID: "s2", SupplierID: "b", Currency: "EUR", GoodsMinor: 200}, {SubOrderID: "s3", SupplierID: "c", Currency: "EUR", GoodsMinor: 1500}}
	line := func(gross int64, cur string, fees int64, feesCur string) domain.SettlementLine {
		return domain.SettlementLine{LineID: "st-1", Gross: money.Money{Amount: gross, Currency: cur}, Fees: money.Money{Amount: fees, Currency: feesCur}}
	}
	tests := []struct {
		name       string
		l          domain.SettlementLine
		subs       []domain.SettledSubOrder
		wantReason string
	}{
		{"less than expected", line(5000, "EUR", 600, "EUR"), subs, ""},
		{"more than expected", line(6000, "EUR", 0, "EUR"), subs, ""},
		{"all fees", line(5300, "EUR", 5300, "EUR"), subs, ""},
		{"no sub-orders", line(5300, "EUR", 530, "EUR"), nil, "LINE_ORDER_MISSING"},
		{"another currency", line(5300, "USD", 530, "USD"), subs, "LINE_NOT_CREDITABLE"},
		{"fees in another currency", line(5300, "EUR", 530, "USD"), subs, "LINE_NOT_CREDITABLE"},
		{"fees over the gross", line(5300, "EUR", 5301, "EUR"), subs, "LINE_NOT_CREDITABLE"},
		{"negative fees", line(5300, "EUR", -1, "EUR"), subs, "LINE_NOT_CREDITABLE"},
		{"nothing settled", line(0, "EUR", 0, "EUR"), subs, "LINE_NOT_CREDITABLE"},
		// 2 over goods of 3600, 200 and 1500 leaves the middle sub-order
		// nothing, which finance would refuse after crediting the others.
		{"a part without gross", line(2, "EUR", 0, "EUR"), subs, "LINE_NOT_CREDITABLE"},
		// 41 and 40 over goods of 36, 2 and 15 give the middle part a
		// gross of 1 with fees of 2.
		{"a part with fees over its gross", line(41, "EUR", 40, "EUR"), []domain.SettledSubOrder{{SubOrderID: "s1", Currency: "EUR", GoodsMinor: 36},
			{SubOrderID: "s2", Currency: "EUR", GoodsMinor: 2}, {SubOrderID: "s3", Currency: "EUR", GoodsMinor: 15}}, "LINE_NOT_CREDITABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckAcceptable(tt.l, tt.subs)
			if got := reasonOf(err); got != tt.wantReason || (err == nil) != (tt.wantReason == "") {
				t.Fatalf("error %v, want reason %q", err, tt.wantReason)
			}
			if err != nil && !apperr.IsKind(err, apperr.KindFailedPrecondition) {
				t.Errorf("error %v, want FailedPrecondition", err)
			}
		})
	}
}

func TestValidatePayoutResolution(t *testing.T) {
	tests := []struct {
		name       string
		payoutID   string
		note       string
		wantFields []string
	}{
		{"valid", "po-1", "The dismissed line was the partner's own promotion; they will not claw it back.", nil},
		{"nothing", "", "", []string{"note", "payout_id"}}, // sorted
		{"a blank note", "po-1", "\t", []string{"note"}},
		{"a long note", "po-1", strings.Repeat("é", domain.MaxResolutionNote+1), []string{"note"}},
		{"a control character", "po-1", "ok\x1b", []string{"note"}},
		{"a long payout id", strings.Repeat("x", 129), "n", []string{"payout_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidatePayoutResolution(tt.payoutID, tt.note)
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if got := testkit.Fields(t, err); !slices.Equal(got, tt.wantFields) {
				t.Errorf("violations on %v, want %v", got, tt.wantFields)
			}
		})
	}
}
