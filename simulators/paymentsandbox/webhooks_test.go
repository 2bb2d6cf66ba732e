package paymentsandbox_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/paymentsandbox"
)

func confirm(t *testing.T, base, card, fault string) (map[string]any, time.Time) {
	t.Helper()
	pi := createIntent(t, base)
	body := map[string]any{"client_secret": pi["client_secret"], "payment_method": card}
	if fault != "" {
		body["webhook"] = fault
	}
	at := time.Now()
	if status, out := call(t, "POST", pi["confirm_url"].(string), "", "", body); status >= 500 {
		t.Fatalf("confirm: %d %v", status, out)
	}
	return pi, at
}

func TestWebhookFaults(t *testing.T) {
	tests := []struct {
		fault string
		card  string
		types []string // in delivery order
		same  bool     // every delivery is the same event
	}{
		{"", "tok_visa", []string{"payment_intent.succeeded"}, true},
		{"twice", "tok_visa", []string{"payment_intent.succeeded", "payment_intent.succeeded"}, true},
		{"twice", "tok_decline", []string{"payment_intent.payment_failed", "payment_intent.payment_failed"}, true},
		{"out_of_order", "tok_visa", []string{"payment_intent.succeeded", "payment_intent.processing"}, false},
		{"out_of_order", "tok_insufficient_funds", []string{"payment_intent.payment_failed", "payment_intent.processing"}, false},
		{"out_of_order", "tok_delayed", []string{"payment_intent.processing", "payment_intent.succeeded", "payment_intent.processing"}, false},
		{"late", "tok_visa", []string{"payment_intent.succeeded"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.fault+"/"+tt.card, func(t *testing.T) {
			rc, url := newReceiver(t, nil)
			cfg := fastConfig(url)
			s, err := paymentsandbox.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			srv := newAPI(t, s)
			pi, at := confirm(t, srv, tt.card, tt.fault)
			var got []delivery
			for range tt.types {
				got = append(got, rc.next(t))
			}
			for i, d := range got {
				if d.Event.Type != tt.types[i] || d.Event.Data.Object["id"] != pi["id"] {
					t.Fatalf("delivery %d: %s for %v, want %s", i, d.Event.Type, d.Event.Data.Object["id"], tt.types[i])
				}
				if tt.same && d.Event.ID != got[0].Event.ID {
					t.Fatalf("delivery %d is event %s, want %s again", i, d.Event.ID, got[0].Event.ID)
				}
			}
			if tt.fault == "out_of_order" {
				last, final := got[len(got)-1], got[len(got)-2]
				if last.Event.ID == final.Event.ID || last.Event.Created > final.Event.Created {
					t.Fatalf("the stale event %s (created %d) is not older than the final %s (created %d)",
						last.Event.ID, last.Event.Created, final.Event.ID, final.Event.Created)
				}
			}
			if tt.fault == "late" && got[0].At.Sub(at) < cfg.LateDelay {
				t.Fatalf("late delivery came after %s, want at least %s", got[0].At.Sub(at), cfg.LateDelay)
			}
			// Nothing more is sent once the planned deliveries are in.
			s.Close()
			if len(rc.got) != 0 {
				t.Fatalf("%d deliveries more than planned", len(rc.got))
			}
		})
	}
}

func TestWebhookRetriedUntil2xx(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(n int64) int
		attempts int
	}{
		{"down three times", func(n int64) int {
			if n <= 3 {
				return http.StatusBadGateway
			}
			return http.StatusNoContent
		}, 4},
		{"refused, then accepted", func(n int64) int {
			if n == 1 {
				return http.StatusUnauthorized
			}
			return http.StatusOK
		}, 2},
		{"never accepted: bounded", func(int64) int { return http.StatusInternalServerError }, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, url := newReceiver(t, tt.answer)
			cfg := fastConfig(url)
			cfg.MaxAttempts = 5
			s, err := paymentsandbox.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			base := newAPI(t, s)
			confirm(t, base, "tok_visa", "")
			first := rc.next(t)
			for i := 2; i <= tt.attempts; i++ {
				d := rc.next(t)
				if d.Event.ID != first.Event.ID || string(d.Body) != string(first.Body) {
					t.Fatalf("attempt %d sent %s, want %s again", i, d.Body, first.Body)
				}
			}
			s.Close()
			if n := rc.n.Load(); n != int64(tt.attempts) {
				t.Fatalf("%d attempts, want %d", n, tt.attempts)
			}
		})
	}
}

func TestPayouts(t *testing.T) {
	tests := []struct {
		destination string
		event       string
		status      string
		failure     string
		// returned: a payout.failed follows the payout.paid.
		returned bool
	}{
		{"acct_supplier_1", "payout.paid", "paid", "", false},
		{"acct_fail", "payout.failed", "failed", "account_closed", false},
		{"acct_return", "payout.paid", "paid", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.destination, func(t *testing.T) {
			rc, url := newReceiver(t, nil)
			base := start(t, fastConfig(url))
			status, po := call(t, "POST", base+"/v1/payouts", apiKey, "payout-1", map[string]any{
				"amount": 125000, "currency": "CNY", "reference": "payout-9", "destination": tt.destination})
			if status != http.StatusOK || po["status"] != "pending" || po["id"] == "" {
				t.Fatalf("create: %d %v", status, po)
			}
			// Two deliveries may arrive in either order: a return's
			// payout.failed is checked apart from the payout.paid before it.
			byType := map[string]delivery{}
			for range map[bool]int{false: 1, true: 2}[tt.returned] {
				d := rc.next(t)
				byType[d.Event.Type] = d
			}
			d := byType[tt.event]
			obj := d.Event.Data.Object
			if obj["id"] != po["id"] || obj["reference"] != "payout-9" || obj["status"] != tt.status {
				t.Fatalf("events %v, want %s of the payout, %s", byType, tt.event, tt.status)
			}
			if tt.returned {
				back := byType["payout.failed"]
				if obj := back.Event.Data.Object; obj["id"] != po["id"] || obj["status"] != "failed" || obj["failure_code"] != "account_closed" ||
					back.Event.Created < d.Event.Created {
					t.Fatalf("after the payout.paid: %s %v, want the payout returned (payout.failed, account_closed)", back.Event.Type, obj)
				}
				tt.status, tt.failure = "failed", "account_closed"
			}
			_, got := call(t, "GET", base+"/v1/payouts/"+po["id"].(string), apiKey, "", nil)
			if got["status"] != tt.status || (tt.failure != "" && got["failure_code"] != tt.failure) {
				t.Fatalf("payout %v, want %s %s", got, tt.status, tt.failure)
			}
		})
	}
}

// A confirm asking for a lost webhook pays all the same and sends no event:
// the merchant sees the payment only by asking for the intent. So does the
// loss rate, for every event. The deliveries that follow are the next
// payments' own.
func TestLostWebhooks(t *testing.T) {
	tests := []struct {
		name  string
		fault string
		rate  float64
	}{
		{name: "asked by the confirm", fault: "lost"},
		{name: "by the loss rate", rate: 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, url := newReceiver(t, nil)
			cfg := fastConfig(url)
			var delivering atomic.Bool // the rolls: 0 (lost at the rate) until then, 0.99 after
			cfg.WebhookLossRate = tt.rate
			cfg.Rand = func() float64 {
				if delivering.Load() {
					return 0.99
				}
				return 0
			}
			s, err := paymentsandbox.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			srv := newAPI(t, s)
			lost, _ := confirm(t, srv, "tok_visa", tt.fault)
			if status, pi := call(t, "GET", srv+"/v1/payment_intents/"+lost["id"].(string), apiKey, "", nil); status != http.StatusOK || pi["status"] != "succeeded" {
				t.Fatalf("the intent whose webhook was lost: %d %v, want it succeeded", status, pi)
			}
			delivering.Store(true)
			for range 2 {
				next, _ := confirm(t, srv, "tok_visa", "")
				if d := rc.next(t); d.Event.Data.Object["id"] != next["id"] {
					t.Fatalf("delivery for %v, want %v: the lost event was sent", d.Event.Data.Object["id"], next["id"])
				}
			}
		})
	}
}
