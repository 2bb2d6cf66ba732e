package wallet_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func TestNewTopUpValidates(t *testing.T) {
	tests := []struct {
		name string
		in   wallet.TopUpInput
		ok   bool
	}{
		{"valid", wallet.TopUpInput{Amount: 1000, Currency: "USD", IdempotencyKey: "k"}, true},
		{"zero amount", wallet.TopUpInput{Amount: 0, Currency: "USD", IdempotencyKey: "k"}, false},
		{"negative amount", wallet.TopUpInput{Amount: -5, Currency: "USD", IdempotencyKey: "k"}, false},
		{"the largest amount", wallet.TopUpInput{Amount: wallet.MaxAmount, Currency: "USD", IdempotencyKey: "k"}, true},
		{"beyond the largest amount", wallet.TopUpInput{Amount: wallet.MaxAmount + 1, Currency: "USD", IdempotencyKey: "k"}, false},
		{"unknown currency", wallet.TopUpInput{Amount: 5, Currency: "XXQ", IdempotencyKey: "k"}, false},
		{"lower-case currency", wallet.TopUpInput{Amount: 5, Currency: "usd", IdempotencyKey: "k"}, false},
		{"no key", wallet.TopUpInput{Amount: 5, Currency: "USD"}, false},
	}
	for _, tt := range tests {
		_, err := wallet.NewTopUp("id", wallet.PurposeWallet, "u", "u", tt.in, t0)
		if (err == nil) != tt.ok || (err != nil && !apperr.IsKind(err, apperr.KindInvalid)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestTopUpStates(t *testing.T) {
	tests := []struct {
		name    string
		from    wallet.TopUpState
		succeed bool
		changed bool
		want    wallet.TopUpState
	}{
		{"pending succeeds", wallet.TopUpPending, true, true, wallet.TopUpSucceeded},
		{"pending fails", wallet.TopUpPending, false, true, wallet.TopUpFailed},
		{"a failed intent paid with another card succeeds", wallet.TopUpFailed, true, true, wallet.TopUpSucceeded},
		{"failed again changes nothing", wallet.TopUpFailed, false, false, wallet.TopUpFailed},
		{"succeeded again changes nothing", wallet.TopUpSucceeded, true, false, wallet.TopUpSucceeded},
		{"a late failure after success changes nothing", wallet.TopUpSucceeded, false, false, wallet.TopUpSucceeded},
	}
	for _, tt := range tests {
		tu := wallet.TopUp{State: tt.from}
		var changed bool
		if tt.succeed {
			changed = tu.Succeed(t0)
		} else {
			changed = tu.Fail("card_declined", t0)
		}
		if changed != tt.changed || tu.State != tt.want {
			t.Errorf("%s: changed %v, state %s", tt.name, changed, tu.State)
		}
	}
}

func TestPayoutStates(t *testing.T) {
	p, err := wallet.NewPayout("p", "org", "u", wallet.PayoutInput{Amount: 100, Currency: "EUR", Destination: "iban", IdempotencyKey: "k"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Paid("x", t0) {
		t.Error("an unreserved payout was paid")
	}
	if !p.Reserved("tr-1", t0) || p.Reserved("tr-2", t0) || p.PendingTransferID != "tr-1" {
		t.Errorf("reserve: %+v", p)
	}
	p.Calling(t0)
	if !p.Sent("po-1", t0) || p.Sent("po-2", t0) || p.ProviderPayoutID != "po-1" || p.Attempts != 1 {
		t.Errorf("sent: %+v", p)
	}
	if !p.Paid("", t0) || p.Fail("late", t0) || p.State != wallet.PayoutPaid {
		t.Errorf("paid then failed: %+v", p)
	}
	if _, err := wallet.NewPayout("p", "org", "u", wallet.PayoutInput{Amount: 100, Currency: "EUR", IdempotencyKey: "k"}, t0); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("no destination: %v", err)
	}
}

func TestPayoutLeavesWaitingClawBacks(t *testing.T) {
	tests := []struct {
		name                       string
		available, waiting, amount int64
		left                       string // "" when allowed
	}{
		{"nothing waits", 5000, 0, 5000, ""},
		{"the rest after the claw-backs", 5000, 2000, 3000, ""},
		{"one unit into the claw-backs", 5000, 2000, 3001, "3000"},
		{"the payable short of the claw-backs", 1500, 2000, 1, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wallet.CheckPayoutLeavesClawBacks(tt.available, tt.waiting, tt.amount, "USD")
			if tt.left == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *apperr.Error
			if !errors.As(err, &e) || !errors.Is(err, wallet.ErrClawBackWaiting) || e.Metadata[wallet.MetadataPayable] != tt.left {
				t.Fatalf("err = %v; want FailedPrecondition %s leaving %s", err, wallet.ReasonClawBackWaiting, tt.left)
			}
		})
	}
}

// A payout refused before it was reserved, for want of funds or for the
// claw-backs waiting, still holds a reservation a racing attempt made: the
// worker voids it. Any other failure had its reservation voided when it
// failed.
func TestPayoutHoldsLateReservation(t *testing.T) {
	for code, want := range map[string]bool{
		wallet.FailureLedgerRefused: true, wallet.FailureClawBackWaiting: true, "provider_refused": false,
	} {
		p := wallet.Payout{State: wallet.PayoutFailed, FailureCode: code, PendingTransferID: "t-1"}
		if got := p.HoldsLateReservation(); got != want {
			t.Errorf("%s: HoldsLateReservation = %v, want %v", code, got, want)
		}
		p.PendingTransferID = ""
		if p.HoldsLateReservation() {
			t.Errorf("%s without a reservation holds one", code)
		}
	}
}
