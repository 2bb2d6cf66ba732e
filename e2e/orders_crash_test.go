package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
)

// What a journey of the crash test set out to leave its order as.
type fate int

const (
	fatePaid          fate = iota // paid, waiting for its supplier
	fatePaidCancelled             // paid, then cancelled by the buyer: refunded
	fateCancelled                 // cancelled before payment
	fatePending                   // left unpaid, waiting for its deadline
)

// crashOrder is one order of the crash test and what it should be.
type crashOrder struct {
	id, buyer, token string
	fate             fate
	total            int64
	subOrders        []string
	// payable is each sub-order's payable (supplier currency, minor units):
	// what its escrow holds once paid.
	payable map[string]int64
}

// payableOf maps a checkout answer's sub-orders to their payable amounts.
func payableOf(r response) map[string]int64 {
	out := map[string]int64{}
	o, _ := r.Body["order"].(map[string]any)
	subs, _ := o["subOrders"].([]any)
	for _, s := range subs {
		m, _ := s.(map[string]any)
		id, _ := m["subOrderId"].(string)
		p, _ := m["payable"].(map[string]any)
		amount, _ := p["amountMinor"].(string)
		out[id], _ = strconv.ParseInt(amount, 10, 64)
	}
	return out
}

// A stream of checkouts, payments and cancellations runs while orders,
// finance and inventory are each killed twice with SIGKILL at random
// moments and started again (as Kubernetes restarts a container). Every call is retried
// with the same key until it is answered, as a client would. Afterwards,
// within 60 s: every order is where its journey left it — paid with its
// escrow full and its stock held, cancelled with no stock held and no money
// in escrow, or pending with its stock held until its deadline; each
// buyer's wallet holds its top-up less exactly its paid orders; and the
// book balances. The seed is printed; CROSSDOCK_CRASH_SEED replays one.
func TestOrdersSurviveKillsDuringCheckoutAndPayment(t *testing.T) {
	base, offset := apiMesh(t)
	c := newClient(t, base, "127.0.0.43")
	restartsBefore := map[string]int{}
	for _, name := range []string{"orders", "finance", "inventory"} {
		restartsBefore[name] = shared.up.restarts(name)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CROSSDOCK_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (CROSSDOCK_CRASH_SEED=%d replays this run's choices)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	const buyers, funded = 4, 2_000_000
	type buyerAccount struct{ id, token string }
	accounts := make([]buyerAccount, buyers)
	for i := range accounts {
		b := c.signUp("ACCOUNT_TYPE_BUYER", "")
		c.do("POST", "/v1/me/addresses", b.Access, address("PT", "PT-11", "Lisboa")).must(t, 200, "address")
		fundWallet(t, c, b.Access, "USD", funded, "crash-orders-"+b.ID)
		accounts[i] = buyerAccount{b.ID, b.Access}
	}
	virtual, physical := demoSKUs(t, c, accounts[0].token)

	// The plan is drawn before anything runs, so a seed replays it.
	const journeys, workers = 200, 6
	type step struct {
		buyer int
		lines []map[string]any
		fate  fate
	}
	plan := make([]step, journeys)
	for i := range plan {
		s := step{buyer: rng.IntN(buyers), fate: fate(rng.IntN(10))}
		switch {
		case s.fate < 5:
			s.fate = fatePaid
		case s.fate < 7:
			s.fate = fatePaidCancelled
		case s.fate < 9:
			s.fate = fateCancelled
		default:
			s.fate = fatePending
		}
		s.lines = []map[string]any{{"skuId": virtual[rng.IntN(len(virtual))], "quantity": 1}}
		if rng.IntN(4) == 0 {
			s.lines = append(s.lines, map[string]any{"skuId": physical[rng.IntN(len(physical))], "quantity": 1})
		}
		plan[i] = s
	}
	kills := []string{"orders", "finance", "inventory", "orders", "finance", "inventory"}
	rng.Shuffle(len(kills), func(i, j int) { kills[i], kills[j] = kills[j], kills[i] })
	// Each kill lands once so many journeys have started, between a tenth and
	// seven tenths of the stream, so it comes while journeys are under way
	// however fast the host (at fixed times, a fast one finished before the
	// last kills).
	after := make([]int64, len(kills))
	for i := range after {
		after[i] = int64(journeys/10 + rng.IntN(journeys*6/10))
	}
	slices.Sort(after)
	var started atomic.Int64

	start := time.Now()
	var killWG sync.WaitGroup
	killWG.Go(func() {
		for i, name := range kills {
			// Every kill happens: a service still restarting from its last
			// kill is killed again as soon as it is back.
			for started.Load() < after[i] {
				time.Sleep(5 * time.Millisecond)
			}
			pid, err := killWhenRunning(filepath.Join(shared.dir, "bin", name), 20*time.Second)
			if err != nil {
				t.Errorf("kill %d of %d (%s) never landed: %v", i+1, len(kills), name, err)
				continue
			}
			t.Logf("killed %s (pid %d) at %v, %d journeys started", name, pid, time.Since(start).Round(time.Millisecond), started.Load())
		}
	})

	var mu sync.Mutex
	var orders []crashOrder
	var refusedStock int
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < journeys; i += workers {
				started.Add(1) // counted as it starts: a journey stuck retrying must not hold the kills back
				s := plan[i]
				b := accounts[s.buyer]
				r := retried(t, c, "POST", "/v1/checkouts", b.token, map[string]any{
					"checkoutId": fmt.Sprintf("crash-%d-%d", seed, i), "currency": "USD", "lines": s.lines})
				if r.Status != 200 {
					// Refused for stock; or refused so before, when orders
					// died between giving the stock back and answering:
					// the retry then hears the checkout was released.
					if reason := reasonOf(r); reason == "INSUFFICIENT_STOCK" || reason == "CHECKOUT_RELEASED" {
						mu.Lock()
						refusedStock++
						mu.Unlock()
						continue
					}
					t.Errorf("journey %d: checkout %d: %s", i, r.Status, r.Raw)
					continue
				}
				o := crashOrder{id: r.str("order", "orderId"), buyer: b.id, token: b.token, fate: s.fate, subOrders: subOrderIDs(r), payable: payableOf(r)}
				o.total, _ = strconv.ParseInt(r.str("order", "total", "amountMinor"), 10, 64)
				if s.fate == fatePaid || s.fate == fatePaidCancelled {
					p := retried(t, c, "POST", "/v1/orders/"+o.id+"/pay", b.token, nil)
					if p.Status != 200 && reasonOf(p) != "ALREADY_PAID" {
						t.Errorf("journey %d: pay %d: %s", i, p.Status, p.Raw)
						continue
					}
				}
				if s.fate == fatePaidCancelled || s.fate == fateCancelled {
					if p := retried(t, c, "POST", "/v1/orders/"+o.id+"/cancel", b.token, map[string]any{"reason": "crash test"}); p.Status != 200 {
						t.Errorf("journey %d: cancel %d: %s", i, p.Status, p.Raw)
						continue
					}
				}
				mu.Lock()
				orders = append(orders, o)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	killWG.Wait()
	t.Logf("%d journeys in %v: %d orders, %d refused for stock (or released after such a refusal)", journeys, time.Since(start).Round(time.Millisecond), len(orders), refusedStock)
	if len(orders) < journeys/2 {
		t.Fatalf("only %d of %d journeys placed an order", len(orders), journeys)
	}

	// Within 60 s every order is where its journey left it.
	auth := metadata.Pairs("authorization", "Bearer "+serviceToken(t, shared.dir, offset, "orders"))
	inventory := inventoryv1.NewInventoryServiceClient(dial(t, addr(9103, offset)))
	escrows := financev1.NewEscrowServiceClient(dial(t, addr(financeGRPCPort, offset)))
	check := func(o crashOrder) string {
		r := c.do("GET", "/v1/orders/"+o.id, o.token, nil)
		if r.Status != 200 {
			return fmt.Sprintf("GET %d", r.Status)
		}
		want := map[fate]string{fatePaid: "ORDER_STATUS_PAID", fatePaidCancelled: "ORDER_STATUS_CANCELLED",
			fateCancelled: "ORDER_STATUS_CANCELLED", fatePending: "ORDER_STATUS_PENDING_PAYMENT"}[o.fate]
		if got := r.str("order", "status"); got != want {
			return "status " + got + ", want " + want
		}
		for _, sub := range o.subOrders {
			ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(context.Background(), auth), 5*time.Second)
			res, err := inventory.GetReservation(ctx, &inventoryv1.GetReservationRequest{OrderId: sub})
			e, eerr := escrows.GetSubOrderEscrow(ctx, &financev1.GetSubOrderEscrowRequest{SubOrderId: sub})
			cancel()
			if err != nil {
				return "reservation: " + err.Error()
			}
			if eerr != nil && status.Code(eerr) != codes.NotFound {
				return "escrow: " + eerr.Error() // asked again until the deadline
			}
			held := res.GetReservation().GetStatus() == inventoryv1.ReservationStatus_RESERVATION_STATUS_ACTIVE
			balance := e.GetEscrow().GetBalance().GetAmountMinor()
			escrowed := balance > 0
			switch o.fate {
			case fatePaid:
				if !held || balance != o.payable[sub] || o.payable[sub] <= 0 {
					return fmt.Sprintf("paid sub-order %s: stock held %v, escrow %d, want its payable %d (%v)", sub, held, balance, o.payable[sub], eerr)
				}
			case fatePending:
				if !held || escrowed {
					return fmt.Sprintf("pending sub-order %s: stock held %v, escrow %v", sub, held, escrowed)
				}
			default:
				if held || escrowed {
					return fmt.Sprintf("cancelled sub-order %s: stock held %v, money in escrow %v", sub, held, escrowed)
				}
			}
		}
		return ""
	}
	for _, o := range orders {
		for deadline := time.Now().Add(60 * time.Second); ; {
			problem := check(o)
			if problem == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("order %s (fate %d) not settled 60 s after the stream: %s", o.id, o.fate, problem)
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	spent := map[string]int64{}
	for _, o := range orders {
		if o.fate == fatePaid {
			spent[o.buyer] += o.total
		}
	}
	for _, b := range accounts {
		wallet := c.do("GET", "/v1/wallet", b.token, nil).must(t, 200, "wallet")
		if got := walletHolds(wallet, "USD"); got != strconv.FormatInt(funded-spent[b.id], 10) {
			t.Errorf("buyer %s's wallet holds %s, want %d − %d of paid orders", b.id, got, funded, spent[b.id])
		}
	}
	for _, name := range []string{"orders", "finance", "inventory"} {
		if shared.up.restarts(name) <= restartsBefore[name] {
			t.Errorf("crossdock up did not report restarting %s", name)
		}
	}
	bookBalances(t, c)
}

// retried sends a call until a live service answers it: a dead or
// restarting one answers 5xx through the gateway (or nothing at all).
func retried(t *testing.T, c *restClient, method, path, token string, body any) response {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; {
		r := c.do(method, path, token, body)
		if (r.Status != 0 && r.Status < 500) || time.Now().After(deadline) {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reasonOf is the ErrorInfo reason of an error answer.
func reasonOf(r response) string {
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		if m, ok := d.(map[string]any); ok {
			if reason, ok := m["reason"].(string); ok {
				return reason
			}
		}
	}
	return ""
}

// demoSKUs returns the listed virtual and physical SKUs with at least ten
// units available, read through a cart (which shows each line's type and
// availability).
func demoSKUs(t *testing.T, c *restClient, token string) (virtual, physical []string) {
	t.Helper()
	for _, p := range c.do("GET", "/v1/listings?locale=en", "", nil).must(t, 200, "listings").list("products") {
		id, _ := p["productId"].(string)
		l, _ := c.do("GET", "/v1/listings/"+id+"?locale=en", "", nil).must(t, 200, "listing").Body["listing"].(map[string]any)
		skus, _ := l["skus"].([]any)
		for _, s := range skus {
			sku, _ := s.(map[string]any)["skuId"].(string)
			lines := linesOf(c.do("PUT", "/v1/cart/lines/"+sku, token, map[string]any{"quantity": 1}).must(t, 200, "a cart line"))
			c.do("DELETE", "/v1/cart", token, nil).must(t, 200, "clear the cart")
			// Only SKUs with stock to spare: other tests buy from it too.
			if available, _ := lines[0]["available"].(string); len(lines) != 1 || len(available) < 2 {
				continue
			}
			if lines[0]["type"] == "PRODUCT_TYPE_VIRTUAL" {
				virtual = append(virtual, sku)
			} else {
				physical = append(physical, sku)
			}
		}
	}
	if len(virtual) == 0 || len(physical) == 0 {
		t.Fatalf("the demo catalogue has %d virtual and %d physical SKUs", len(virtual), len(physical))
	}
	return virtual, physical
}
