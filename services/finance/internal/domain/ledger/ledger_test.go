package ledger_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func ref(kind ledger.Kind, owner, cur string) ledger.AccountRef {
	return ledger.AccountRef{Kind: kind, Owner: ledger.Owner{Type: ledger.OwnerUser, ID: owner}, Currency: cur}
}

var (
	walletUSD   = ref(ledger.KindBuyerWallet, "u1", "USD")
	escrowUSD   = ref(ledger.KindEscrow, "o1", "USD")
	providerUSD = ref(ledger.KindPaymentProvider, "p", "USD")
	couponUSD   = ref(ledger.KindCouponExpense, "platform", "USD")
	clearingUSD = ref(ledger.KindFXClearing, "platform", "USD")
)

func spec(debit, credit ledger.AccountRef, amount int64) ledger.TransferSpec {
	return ledger.TransferSpec{Debit: debit, Credit: credit, Amount: amount, Currency: debit.Currency, Code: ledger.CodePayment, Phase: ledger.PhasePosted}
}

func TestValidate(t *testing.T) {
	many := make([]ledger.TransferSpec, ledger.MaxTransfersPerCommand+1)
	for i := range many {
		many[i] = spec(providerUSD, walletUSD, 1)
	}
	cases := []struct {
		name   string
		cmd    ledger.Command
		fields []string // empty: valid
	}{
		{"valid", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(providerUSD, walletUSD, 1)}}, nil},
		{"no key", ledger.Command{Transfers: []ledger.TransferSpec{spec(providerUSD, walletUSD, 1)}}, []string{"idempotency_key"}},
		{"long key", ledger.Command{IdempotencyKey: strings.Repeat("k", 201), Transfers: []ledger.TransferSpec{spec(providerUSD, walletUSD, 1)}}, []string{"idempotency_key"}},
		{"no transfers", ledger.Command{IdempotencyKey: "k"}, []string{"transfers"}},
		{"too many transfers", ledger.Command{IdempotencyKey: "k", Transfers: many}, []string{"transfers"}},
		{"amount zero and negative", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(providerUSD, walletUSD, 0), spec(providerUSD, walletUSD, -1)}},
			[]string{"transfers[0].amount", "transfers[1].amount"}},
		{"same account", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(walletUSD, walletUSD, 1)}}, []string{"transfers[0].credit"}},
		{"currency mismatch", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(providerUSD, ref(ledger.KindBuyerWallet, "u1", "EUR"), 1)}},
			[]string{"transfers[0].credit.currency"}},
		{"unknown currency", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(ref(ledger.KindPaymentProvider, "p", "XTS"), ref(ledger.KindBuyerWallet, "u", "XTS"), 1)}},
			[]string{"transfers[0].currency"}},
		{"unknown kind and owner", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(
			ledger.AccountRef{Kind: "piggy_bank", Owner: ledger.Owner{Type: "cat"}, Currency: "USD"}, walletUSD, 1)}},
			[]string{"transfers[0].debit.kind", "transfers[0].debit.owner.type", "transfers[0].debit.owner.id"}},
		{"unknown phase", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{{Phase: "maybe"}}}, []string{"transfers[0].phase"}},
		{"post without pending id", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{{Phase: ledger.PhasePostPending}}}, []string{"transfers[0].pending_id"}},
		{"post with accounts", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{{Phase: ledger.PhasePostPending, PendingID: "p", Debit: walletUSD}}},
			[]string{"transfers[0].debit"}},
		{"posted with pending id and expiry", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{func() ledger.TransferSpec {
			s := spec(providerUSD, walletUSD, 1)
			s.PendingID, s.ExpiresAt = "p", t0
			return s
		}()}}, []string{"transfers[0].pending_id", "transfers[0].expires_at"}},
		{"bad rate", ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{func() ledger.TransferSpec {
			s := spec(providerUSD, walletUSD, 1)
			s.Rate = &ledger.RateSnapshot{From: "USD", To: "EUR", Rate: "-1"}
			return s
		}()}}, []string{"transfers[0].rate.rate"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ledger.Validate(tc.cmd)
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatalf("valid command refused: %v", err)
				}
				return
			}
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.KindInvalid {
				t.Fatalf("err = %v, want InvalidArgument", err)
			}
			var got []string
			for _, v := range e.Violations {
				got = append(got, v.Field)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.fields) {
				t.Errorf("violations on %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestFlagsFor(t *testing.T) {
	cases := map[ledger.Kind]ledger.Flags{
		ledger.KindBuyerWallet:        ledger.FlagDebitsMustNotExceedCredits,
		ledger.KindEscrow:             ledger.FlagDebitsMustNotExceedCredits,
		ledger.KindSupplierPayable:    ledger.FlagDebitsMustNotExceedCredits,
		ledger.KindMerchantDeposit:    ledger.FlagDebitsMustNotExceedCredits,
		ledger.KindPartnerVirtual:     ledger.FlagCreditsMustNotExceedDebits,
		ledger.KindCarrierPayable:     ledger.FlagDebitsMustNotExceedCredits,
		ledger.KindPlatformRevenue:    ledger.FlagDebitsMustNotExceedCredits,
		ledger.KindPartnerFees:        ledger.FlagDebitsMustNotExceedCredits,
		ledger.KindPartnerUnallocated: ledger.FlagDebitsMustNotExceedCredits,
		ledger.KindCouponExpense:      ledger.FlagCreditsMustNotExceedDebits,
		ledger.KindFreightExpense:     ledger.FlagCreditsMustNotExceedDebits,
		ledger.KindFXClearing:         0,
		ledger.KindFXGainLoss:         0,
		ledger.KindPaymentProvider:    ledger.FlagExternal,
		ledger.KindPayout:             ledger.FlagExternal,
		ledger.KindPartnerSettlement:  ledger.FlagExternal,
		ledger.KindCarrierSettlement:  ledger.FlagExternal,
	}
	for kind, want := range cases {
		if got := ledger.FlagsFor(kind); got != want {
			t.Errorf("FlagsFor(%s) = %b, want %b", kind, got, want)
		}
		if !kind.Known() {
			t.Errorf("%s is not Known", kind)
		}
	}
}

// book opens the given accounts with their kinds' flags, funding the
// credit-normal ones with credits.
func book(refs map[ledger.AccountRef]ledger.Balance, closed ...ledger.AccountRef) *ledger.Book {
	var accounts []ledger.Account
	for r, b := range refs {
		a := ledger.Account{ID: string(r.Kind) + "/" + r.Owner.ID + "/" + r.Currency, AccountRef: r, Flags: ledger.FlagsFor(r.Kind), Balance: b}
		for _, c := range closed {
			if c == r {
				a.ClosedAt = t0
			}
		}
		accounts = append(accounts, a)
	}
	return ledger.NewBook(accounts, nil)
}

func ids() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("t%d", n) }
}

func TestApplyRules(t *testing.T) {
	all := func(wallet ledger.Balance) map[ledger.AccountRef]ledger.Balance {
		return map[ledger.AccountRef]ledger.Balance{walletUSD: wallet, escrowUSD: {}, providerUSD: {}, couponUSD: {}, clearingUSD: {}}
	}
	cases := []struct {
		name   string
		wallet ledger.Balance
		closed []ledger.AccountRef
		specs  []ledger.TransferSpec
		is     error // nil: applied
	}{
		{"external goes negative", ledger.Balance{}, nil, []ledger.TransferSpec{spec(providerUSD, walletUSD, 500)}, nil},
		{"wallet pays what it holds", ledger.Balance{CreditsPosted: 500}, nil, []ledger.TransferSpec{spec(walletUSD, escrowUSD, 500)}, nil},
		{"wallet cannot overdraw", ledger.Balance{CreditsPosted: 500}, nil, []ledger.TransferSpec{spec(walletUSD, escrowUSD, 501)}, ledger.ErrInsufficientFunds},
		{"pending debits count", ledger.Balance{CreditsPosted: 500, DebitsPending: 100}, nil, []ledger.TransferSpec{spec(walletUSD, escrowUSD, 401)}, ledger.ErrInsufficientFunds},
		{"second transfer sees the first", ledger.Balance{CreditsPosted: 500}, nil,
			[]ledger.TransferSpec{spec(walletUSD, escrowUSD, 300), spec(walletUSD, escrowUSD, 300)}, ledger.ErrInsufficientFunds},
		{"coupon expense can be debited", ledger.Balance{}, nil, []ledger.TransferSpec{spec(couponUSD, escrowUSD, 100)}, nil},
		{"coupon expense cannot turn to income", ledger.Balance{}, nil, []ledger.TransferSpec{spec(providerUSD, couponUSD, 1)}, ledger.ErrCreditsExceedDebits},
		{"fx clearing has no limit", ledger.Balance{}, nil, []ledger.TransferSpec{spec(clearingUSD, escrowUSD, 100)}, nil},
		{"closed account", ledger.Balance{}, []ledger.AccountRef{walletUSD}, []ledger.TransferSpec{spec(providerUSD, walletUSD, 1)}, ledger.ErrAccountClosed},
		{"overflow", ledger.Balance{CreditsPosted: math.MaxInt64 - 1}, nil, []ledger.TransferSpec{spec(providerUSD, walletUSD, 2)}, ledger.ErrBalanceOverflow},
		{"unknown pending", ledger.Balance{}, nil, []ledger.TransferSpec{{Phase: ledger.PhaseVoidPending, PendingID: "nope"}}, apperr.NotFound("pending transfer", "nope")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := book(all(tc.wallet), tc.closed...)
			before := b.Changed()
			res, err := b.Apply(ledger.Command{IdempotencyKey: "k", Transfers: tc.specs}, "c1", t0, ids())
			if tc.is != nil {
				if !errors.Is(err, tc.is) {
					t.Fatalf("err = %v, want %v", err, tc.is)
				}
				if got := b.Changed(); len(got) != len(before) {
					t.Errorf("a refused command changed %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Transfers) != len(tc.specs) || res.CommandID != "c1" {
				t.Errorf("result = %+v", res)
			}
			var moved int64
			for _, a := range b.Changed() {
				moved += a.Balance.Net() - all(tc.wallet)[a.AccountRef].Net()
			}
			if moved != 0 {
				t.Errorf("the command moved %d net, want 0", moved)
			}
		})
	}
}

func TestApplyTwoPhaseInOneBook(t *testing.T) {
	b := book(map[ledger.AccountRef]ledger.Balance{walletUSD: {CreditsPosted: 1_000}, escrowUSD: {}})
	id := ids()
	hold := ledger.TransferSpec{Debit: walletUSD, Credit: escrowUSD, Amount: 600, Currency: "USD", Code: ledger.CodePayment, Phase: ledger.PhasePending, ExpiresAt: t0.Add(time.Hour)}
	res, err := b.Apply(ledger.Command{IdempotencyKey: "h", Transfers: []ledger.TransferSpec{hold}}, "c1", t0, id)
	if err != nil {
		t.Fatal(err)
	}
	pid := res.Transfers[0].ID
	cases := []struct {
		name string
		at   time.Time
		spec ledger.TransferSpec
		is   error
	}{
		{"currency must match", t0, ledger.TransferSpec{Phase: ledger.PhasePostPending, PendingID: pid, Currency: "EUR"}, apperr.Invalid()},
		{"post more than reserved", t0, ledger.TransferSpec{Phase: ledger.PhasePostPending, PendingID: pid, Amount: 601}, ledger.ErrPostExceedsPending},
		{"post after expiry", t0.Add(time.Hour), ledger.TransferSpec{Phase: ledger.PhasePostPending, PendingID: pid}, ledger.ErrPendingExpired},
		{"partial post", t0, ledger.TransferSpec{Phase: ledger.PhasePostPending, PendingID: pid, Amount: 250}, nil},
		{"then a void is too late", t0, ledger.TransferSpec{Phase: ledger.PhaseVoidPending, PendingID: pid}, ledger.ErrPendingResolved},
	}
	for _, tc := range cases {
		_, err := b.Apply(ledger.Command{IdempotencyKey: tc.name, Transfers: []ledger.TransferSpec{tc.spec}}, "c", tc.at, id)
		if tc.is == nil && err != nil || tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.is)
		}
	}
	w, ok := b.Account("buyer_wallet/u1/USD")
	if !ok || w.Balance != (ledger.Balance{CreditsPosted: 1_000, DebitsPosted: 250}) {
		t.Errorf("wallet = %+v: a partial post releases the rest", w.Balance)
	}
}

func TestFingerprint(t *testing.T) {
	base := ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(providerUSD, walletUSD, 100)}}
	withExpiry := func(at time.Time) ledger.Command {
		c := ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(providerUSD, walletUSD, 100)}}
		c.Transfers[0].ExpiresAt = at
		return c
	}
	otherKey := base
	otherKey.IdempotencyKey = "other"
	cases := []struct {
		name string
		a, b ledger.Command
		same bool
	}{
		{"same command", base, ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(providerUSD, walletUSD, 100)}}, true},
		{"key is not part of it", base, otherKey, true},
		{"other amount", base, ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(providerUSD, walletUSD, 101)}}, false},
		{"same instant in another zone", withExpiry(t0), withExpiry(t0.In(time.FixedZone("X", 3600))), true},
		{"sub-microsecond difference", withExpiry(t0), withExpiry(t0.Add(time.Nanosecond)), true},
		{"other instant", withExpiry(t0), withExpiry(t0.Add(time.Second)), false},
	}
	for _, tc := range cases {
		if same := string(ledger.Fingerprint(tc.a)) == string(ledger.Fingerprint(tc.b)); same != tc.same {
			t.Errorf("%s: same = %v", tc.name, same)
		}
	}
}

// A command applies only while the balances it expects hold, counted after
// the commands applied before it in the book; a refusal moves nothing. The
// expectations are no part of its fingerprint.
func TestApplyExpectedBalances(t *testing.T) {
	b := book(map[ledger.AccountRef]ledger.Balance{walletUSD: {CreditsPosted: 1_000}, escrowUSD: {CreditsPosted: 300}})
	id := ids()
	pay := func(key string, expect int64) error {
		_, err := b.Apply(ledger.Command{IdempotencyKey: key, Transfers: []ledger.TransferSpec{spec(walletUSD, escrowUSD, 100)},
			Expect: []ledger.Expectation{{Account: escrowUSD, Net: expect}}}, key, t0, id)
		return err
	}
	if err := pay("first", 300); err != nil {
		t.Fatalf("the escrow holds the 300 expected: %v", err)
	}
	err := pay("stale", 300)
	if !errors.Is(err, ledger.ErrBalanceChanged) || apperr.KindOf(err) != apperr.KindAborted {
		t.Fatalf("planned on 300 once the escrow holds 400: %v, want Aborted %s", err, ledger.ReasonBalanceChanged)
	}
	if e, _ := b.Account("escrow/o1/USD"); e.Balance.Net() != 400 {
		t.Errorf("the escrow holds %d after the refusal, want 400", e.Balance.Net())
	}
	if err := pay("replanned", 400); err != nil {
		t.Errorf("planned again on 400: %v", err)
	}
	cmd := ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{spec(walletUSD, escrowUSD, 100)}}
	expecting := cmd
	expecting.Expect = []ledger.Expectation{{Account: escrowUSD, Net: 7}}
	if !bytes.Equal(ledger.Fingerprint(cmd), ledger.Fingerprint(expecting)) {
		t.Error("an expectation changed the fingerprint: a retry planned again would reuse its key")
	}
	if err := ledger.Validate(ledger.Command{IdempotencyKey: "k", Transfers: cmd.Transfers,
		Expect: []ledger.Expectation{{Account: ledger.AccountRef{Kind: "nope", Currency: "USD"}}}}); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("an expectation on no account: %v, want INVALID_ARGUMENT", err)
	}
}
