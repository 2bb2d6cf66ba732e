package paymentsandbox

import (
	"net/http"
	"strings"

	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// failingDestination is the bank account every payout to fails.
const failingDestination = "acct_fail"

// returningDestination is the bank account that sends every payout back:
// paid, then failed a PayoutDelay later (the bank returned it).
const returningDestination = "acct_return"

// The statuses of a payout.
const (
	payoutPending = "pending"
	payoutPaid    = "paid"
	payoutFailed  = "failed"
)

// payoutJSON is a payout on the wire.
type payoutJSON struct {
	ID          string `json:"id"`
	Object      string `json:"object"`
	Status      string `json:"status"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Reference   string `json:"reference"`
	Destination string `json:"destination"`
	FailureCode string `json:"failure_code,omitempty"`
	Created     int64  `json:"created"`
}

type payout struct{ payoutJSON }

type createPayoutRequest struct {
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Reference   string `json:"reference"`
	Destination string `json:"destination"`
}

// createPayout records a pending payout; after PayoutDelay it is paid, or
// failed for acct_fail, and the webhook says so. To acct_return it is paid,
// then failed (returned by the bank) another PayoutDelay later.
func (s *Server) createPayout(_ *http.Request, body []byte) jsonapi.Response {
	var in createPayoutRequest
	if err := jsonapi.Decode(body, &in); err != nil {
		return err.Response()
	}
	if err := validAmount(in.Amount, in.Currency); err != nil {
		return err.Response()
	}
	if strings.TrimSpace(in.Reference) == "" {
		return jsonapi.Invalid("reference", "reference must not be empty").Response()
	}
	if strings.TrimSpace(in.Destination) == "" {
		return jsonapi.Invalid("destination", "destination must not be empty").Response()
	}
	po := &payout{payoutJSON{
		ID: jsonapi.NewID("po_"), Object: "payout", Status: payoutPending, Amount: in.Amount, Currency: in.Currency,
		Reference: in.Reference, Destination: in.Destination, Created: s.cfg.Now().Unix(),
	}}
	s.payouts[po.ID] = po
	s.after(s.cfg.PayoutDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		po.Status = payoutPaid
		if po.Destination == failingDestination {
			po.Status, po.FailureCode = payoutFailed, "account_closed"
		}
		s.deliver(s.newEvent("payout."+po.Status, po.payoutJSON), deliveryPlan{})
		if po.Destination == returningDestination {
			s.after(s.cfg.PayoutDelay, func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				po.Status, po.FailureCode = payoutFailed, "account_closed"
				s.deliver(s.newEvent("payout.failed", po.payoutJSON), deliveryPlan{})
			})
		}
	})
	return jsonapi.Response{Status: http.StatusOK, Body: po.payoutJSON}
}

func (s *Server) getPayout(r *http.Request, _ []byte) jsonapi.Response {
	po, ok := s.payouts[r.PathValue("id")]
	if !ok {
		return jsonapi.NotFound("no such payout: " + r.PathValue("id")).Response()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: po.payoutJSON}
}
