package load

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// Setup is the untimed preparation of a run: the goods, the stock, the
// buyers and their money. Nothing it does is measured.
type Setup struct {
	Gateway, Sandbox *url.URL
	RunID            string
	Buyers           int
	// BuyerPassword is every buyer's password (they are throwaway accounts
	// on a local mesh; the report names them so one can sign in and look).
	BuyerPassword string
	Currency      string
	// Suppliers are the accounts whose listed goods the run buys (the demo
	// suppliers by default) and, with Restock, stocks up.
	Suppliers []Account
	Restock   bool
	Arrivals  int
	Seed      uint64
	// Timeout bounds each call, in setup and in the load phase.
	Timeout time.Duration
	// Log receives setup's progress (stderr).
	Log io.Writer
}

// Prepared is what a run needs once setup is done.
type Prepared struct {
	Journeys *Journeys
	// Spread is true when every buyer calls from its own client address.
	Spread bool
}

// BuyerEmail is buyer i's e-mail in a run.
func BuyerEmail(runID string, i int) string {
	return "load-" + runID + "-" + strconv.Itoa(i) + "@load.crossdock.test"
}

// setupWorkers is how many buyers are signed up and funded at once: sign-up
// hashes a password (argon2id), which is CPU-bound in the users service.
const setupWorkers = 4

// Run prepares the run, or says precisely what stopped it.
func (s *Setup) Run(ctx context.Context) (*Prepared, error) {
	started := time.Now()
	gw := &API{Base: s.Gateway.String(), HTTP: newHTTPClient(nil, 16), Timeout: s.Timeout}
	sandbox := &API{Base: s.Sandbox.String(), HTTP: newHTTPClient(nil, setupWorkers), Timeout: s.Timeout}

	var skus []SKU
	var suppliers []*supplier
	for _, a := range s.Suppliers {
		sup, err := signInSupplier(ctx, gw, a)
		if err != nil {
			return nil, err
		}
		found, err := skusOf(ctx, gw, sup)
		if err != nil {
			return nil, err
		}
		suppliers = append(suppliers, sup)
		skus = append(skus, found...)
	}
	if len(skus) == 0 {
		return nil, fmt.Errorf("no SKU on sale from %s: nothing to buy", emails(s.Suppliers))
	}
	slices.SortFunc(skus, func(a, b SKU) int { return strings.Compare(a.ID, b.ID) })
	plan := NewPlan(s.Arrivals, s.Buyers, len(skus), browseQueries(skus), s.Seed)

	restocked := 0
	for i, units := range UnitsPerSKU(plan, len(skus)) {
		short := units - skus[i].Available
		switch {
		case short <= 0:
		case s.Restock:
			if err := restock(ctx, gw, s.RunID, skus[i], short); err != nil {
				return nil, err
			}
			restocked++
		default:
			fmt.Fprintf(s.Log, "setup: SKU %s (%s) has %d available and the run buys up to %d: expect INSUFFICIENT_STOCK errors (--restock would add the difference)\n",
				skus[i].ID, skus[i].Title, skus[i].Available, units)
		}
	}
	fmt.Fprintf(s.Log, "setup: %d SKUs on sale from %s, %d restocked for the run's %d arrivals\n", len(skus), emails(s.Suppliers), restocked, s.Arrivals)

	fx, err := rates(ctx, gw, suppliers[0].token, s.Currency, skus)
	if err != nil {
		return nil, err
	}
	funds, err := budgets(plan, s.Buyers, skus, s.Currency, fx)
	if err != nil {
		return nil, err
	}

	spread := canSpread(ctx, hostPort(s.Gateway))
	if !spread {
		fmt.Fprintln(s.Log, "setup: the buyers share one client address (127.1.x.y is not usable here): the gateway's per-address limits apply to all of them")
	}
	buyers := make([]*Buyer, s.Buyers)
	for i := range buyers {
		api := gw
		if spread {
			api = &API{Base: gw.Base, HTTP: newHTTPClient(sourceAddr(i), 16), Timeout: s.Timeout}
		}
		buyers[i] = &Buyer{Email: BuyerEmail(s.RunID, i), API: api, password: s.BuyerPassword}
	}
	if err := s.prepareBuyers(ctx, buyers, sandbox, funds); err != nil {
		return nil, err
	}
	fmt.Fprintf(s.Log, "setup: %d buyers signed up and funded in %s; setup took %v\n",
		len(buyers), s.Currency, time.Since(started).Round(time.Millisecond))
	return &Prepared{
		Journeys: &Journeys{RunID: s.RunID, Currency: s.Currency, Buyers: buyers, SKUs: skus, Plan: plan},
		Spread:   spread,
	}, nil
}

// prepareBuyers signs up and funds every buyer, a few at a time, and stops
// at the first failure.
func (s *Setup) prepareBuyers(ctx context.Context, buyers []*Buyer, sandbox *API, funds []int64) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(setupWorkers, len(buyers)) {
		wg.Go(func() {
			for i := range next {
				if err := s.prepareBuyer(ctx, buyers[i], i, sandbox, funds[i]); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range buyers {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

func (s *Setup) prepareBuyer(ctx context.Context, b *Buyer, i int, sandbox *API, amount int64) error {
	if err := signUpBuyer(ctx, b, i, s.RunID); err != nil {
		return err
	}
	if amount == 0 {
		return nil // no journey planned for this buyer
	}
	return fund(ctx, b, sandbox, s.RunID, i, money.Money{Amount: amount, Currency: s.Currency})
}

// hostPort is the address a URL dials, with the scheme's default port.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

func emails(accounts []Account) string {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = a.Email
	}
	return strings.Join(out, ", ")
}
