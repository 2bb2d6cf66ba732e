package load

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Journeys runs the planned buyer journeys against the gateway.
type Journeys struct {
	RunID    string
	Currency string
	Buyers   []*Buyer
	SKUs     []SKU
	Plan     []Arrival
}

// Run is arrival k's journey: one listings search, a checkout of its SKUs
// (quantity 1 each, checkout id "load-<run>-<k>", fresh for every arrival), and
// the payment of the order from the wallet. It stops at the first failure.
// The journey counts from due, when the arrival was due (now if zero).
func (j *Journeys) Run(ctx context.Context, k int, due time.Time) Outcome {
	a := j.Plan[k]
	b := j.Buyers[a.Buyer]
	var o Outcome
	// The journey counts from when it was due: the generator's lateness,
	// and a token due for renewal (the buyer's other journeys wait for
	// it), are part of what this one waited.
	start := time.Now()
	if !due.IsZero() && due.Before(start) {
		start = due
	}
	token, err := b.Token(ctx)
	if err != nil {
		o.Samples = append(o.Samples, Sample{Step: StepAuth, Err: err})
		return o
	}

	authed := time.Now()
	q := url.Values{"locale": {a.Locale}}
	if a.Query != "" {
		q.Set("query", a.Query)
	}
	err = b.API.Call(ctx, "GET", "/v1/listings?"+q.Encode(), "", nil, nil)
	browsed := time.Now()
	o.Samples = append(o.Samples, Sample{Step: StepBrowse, Took: browsed.Sub(authed), Err: err})
	if err != nil {
		return o
	}

	lines := make([]map[string]any, len(a.SKUs))
	for i, s := range a.SKUs {
		lines[i] = map[string]any{"skuId": j.SKUs[s].ID, "quantity": 1}
	}
	var placed orderJSON
	err = b.API.Call(ctx, "POST", "/v1/checkouts", token, map[string]any{
		"checkoutId": "load-" + j.RunID + "-" + strconv.Itoa(k), "lines": lines, "currency": j.Currency,
	}, &placed)
	if err == nil && (placed.Order.OrderID == "" || placed.Order.Status != statusPendingPayment) {
		err = &UnexpectedError{What: fmt.Sprintf("POST /v1/checkouts: order %q in status %q, want an order pending payment", placed.Order.OrderID, placed.Order.Status)}
	}
	placedAt := time.Now()
	o.Samples = append(o.Samples, Sample{Step: StepCheckout, Took: placedAt.Sub(browsed), Err: err})
	if err != nil {
		return o
	}

	payStart := time.Now()
	var paid orderJSON
	path := "/v1/orders/" + url.PathEscape(placed.Order.OrderID) + "/pay"
	err = b.API.Call(ctx, "POST", path, token, map[string]any{}, &paid)
	if err == nil && paid.Order.Status != statusPaid {
		err = &UnexpectedError{What: fmt.Sprintf("POST %s: order in status %q, want %s", path, paid.Order.Status, statusPaid)}
	}
	paidAt := time.Now()
	o.Samples = append(o.Samples, Sample{Step: StepPay, Took: paidAt.Sub(payStart), Err: err})
	if err != nil {
		return o
	}
	o.Samples = append(o.Samples,
		Sample{Step: StepPlacedToPaid, Took: paidAt.Sub(placedAt)},
		Sample{Step: StepJourney, Took: paidAt.Sub(start)})
	return o
}
