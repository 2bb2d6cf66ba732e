package paymentsandbox

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// The statuses of a payment intent.
const (
	statusRequiresConfirmation = "requires_confirmation"
	statusProcessing           = "processing"
	statusSucceeded            = "succeeded"
	statusFailed               = "failed"
	statusCanceled             = "canceled"
)

// The test cards a confirm accepts, by outcome.
const (
	cardVisa              = "tok_visa"               // succeeds at once
	cardDecline           = "tok_decline"            // card_declined
	cardInsufficientFunds = "tok_insufficient_funds" // insufficient_funds
	cardDelayed           = "tok_delayed"            // processing, then succeeds after ProcessingDelay
)

// The delivery faults a confirm may ask for in its "webhook" field.
const (
	faultLate       = "late"
	faultTwice      = "twice"
	faultOutOfOrder = "out_of_order"
	faultLost       = "lost"
)

type intent struct {
	intentJSON
	// events are the intent's events so far, oldest first, for out_of_order.
	events []event
}

// intentJSON is an intent on the wire.
type intentJSON struct {
	ID           string `json:"id"`
	Object       string `json:"object"`
	Status       string `json:"status"`
	Amount       int64  `json:"amount"`
	Currency     string `json:"currency"`
	Reference    string `json:"reference"`
	Description  string `json:"description,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	ConfirmURL   string `json:"confirm_url,omitempty"`
	FailureCode  string `json:"failure_code,omitempty"`
	Created      int64  `json:"created"`
}

type createIntentRequest struct {
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Reference   string `json:"reference"`
	Description string `json:"description"`
}

func validAmount(amount int64, currency string) *jsonapi.Error {
	if amount <= 0 {
		return jsonapi.Invalid("amount", "amount must be a positive number of minor units")
	}
	if !money.ValidCurrency(currency) {
		return jsonapi.Invalid("currency", "currency must be an upper-case ISO 4217 code, got "+currency)
	}
	return nil
}

func (s *Server) createIntent(r *http.Request, body []byte) jsonapi.Response {
	var in createIntentRequest
	if err := jsonapi.Decode(body, &in); err != nil {
		return err.Response()
	}
	if err := validAmount(in.Amount, in.Currency); err != nil {
		return err.Response()
	}
	if strings.TrimSpace(in.Reference) == "" {
		return jsonapi.Invalid("reference", "reference must not be empty").Response()
	}
	id := jsonapi.NewID("pi_")
	base := s.cfg.PublicURL
	if base == "" {
		base = "http://" + r.Host
	}
	pi := &intent{intentJSON: intentJSON{
		ID:           id,
		Object:       "payment_intent",
		Status:       statusRequiresConfirmation,
		Amount:       in.Amount,
		Currency:     in.Currency,
		Reference:    in.Reference,
		Description:  in.Description,
		ClientSecret: id + "_secret_" + jsonapi.NewID(""),
		ConfirmURL:   strings.TrimSuffix(base, "/") + "/v1/payment_intents/" + id + "/confirm",
		Created:      s.cfg.Now().Unix(),
	}}
	s.intents[id] = pi
	return jsonapi.Response{Status: http.StatusOK, Body: pi.intentJSON}
}

func (s *Server) getIntent(r *http.Request, _ []byte) jsonapi.Response {
	pi, missing := s.pathIntent(r)
	if missing != nil {
		return missing.Response()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: pi.intentJSON}
}

// pathIntent is the intent the request's path names, or a 404. The caller
// holds s.mu.
func (s *Server) pathIntent(r *http.Request) (*intent, *jsonapi.Error) {
	pi, ok := s.intents[r.PathValue("id")]
	if !ok {
		return nil, jsonapi.NotFound("no such payment_intent: " + r.PathValue("id"))
	}
	return pi, nil
}

// public is the intent as the merchant sees it in an event or an error:
// without the payer's client secret.
func (pi *intent) public() *intentJSON {
	obj := pi.intentJSON
	obj.ClientSecret = ""
	return &obj
}

// unexpectedState refuses a call the intent's status does not allow, the
// intent in the error as a real provider sends it.
func unexpectedState(pi *intent, why string) jsonapi.Response {
	return jsonapi.ErrorResponse(http.StatusBadRequest, cardError{
		Error:         jsonapi.Error{Type: "invalid_request_error", Code: "payment_intent_unexpected_state", Message: "the payment_intent is " + pi.Status + ": " + why},
		PaymentIntent: pi.public(),
	})
}

type confirmRequest struct {
	ClientSecret  string `json:"client_secret"`
	PaymentMethod string `json:"payment_method"`
	// Webhook asks for a delivery fault: late, twice, out_of_order or lost.
	Webhook string `json:"webhook"`
}

// confirmIntent charges the test card, on an intent awaiting confirmation
// or declined before. The client secret authorizes it, so the payer's
// client calls it without the API key.
func (s *Server) confirmIntent(r *http.Request, body []byte) jsonapi.Response {
	var in confirmRequest
	if err := jsonapi.Decode(body, &in); err != nil {
		return err.Response()
	}
	pi, missing := s.pathIntent(r)
	if missing != nil {
		return missing.Response()
	}
	if in.ClientSecret == "" || subtle.ConstantTimeCompare([]byte(in.ClientSecret), []byte(pi.ClientSecret)) != 1 {
		return (&jsonapi.Error{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "client_secret_mismatch",
			Message: "client_secret does not belong to this payment_intent"}).Response()
	}
	switch in.Webhook {
	case "", faultLate, faultTwice, faultOutOfOrder, faultLost:
	default:
		return jsonapi.Invalid("webhook", "webhook must be late, twice, out_of_order or lost").Response()
	}
	// A declined intent may be paid again with another card, as a real
	// provider allows; a paid, processing or canceled one may not.
	if pi.Status != statusRequiresConfirmation && pi.Status != statusFailed {
		return unexpectedState(pi, "only one awaiting confirmation, or declined, can be confirmed")
	}
	plan := deliveryPlan{fault: in.Webhook}
	switch in.PaymentMethod {
	case cardVisa:
		if in.Webhook == faultOutOfOrder {
			// A real provider passes through processing; its event is the
			// stale one delivered after the final one.
			s.intentEvent(pi, statusProcessing, "", nil)
		}
		s.intentEvent(pi, statusSucceeded, "", &plan)
	case cardDecline, cardInsufficientFunds:
		code := strings.TrimPrefix(in.PaymentMethod, "tok_")
		if code == "decline" {
			code = "card_declined"
		}
		if in.Webhook == faultOutOfOrder {
			s.intentEvent(pi, statusProcessing, "", nil)
		}
		s.intentEvent(pi, statusFailed, code, &plan)
		return jsonapi.ErrorResponse(http.StatusPaymentRequired, cardError{
			Error:         jsonapi.Error{Type: "card_error", Code: code, Message: "the card was declined (" + code + ")"},
			PaymentIntent: pi.public(),
		})
	case cardDelayed:
		s.intentEvent(pi, statusProcessing, "", &deliveryPlan{})
		s.after(s.cfg.ProcessingDelay, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.intentEvent(pi, statusSucceeded, "", &plan)
		})
	default:
		return jsonapi.Invalid("payment_method", "payment_method must be a test card: tok_visa, tok_decline, tok_insufficient_funds or tok_delayed").Response()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: pi.intentJSON}
}

// cancelIntent cancels an intent its payer never confirmed (abandoned), or
// one declined (its payer could otherwise pay it with another card at any
// time): it can no longer be confirmed, and payment_intent.canceled is
// sent. One canceled already answers as it is; one paid or processing is
// refused as payment_intent_unexpected_state, the intent in the error, as
// a real provider does.
func (s *Server) cancelIntent(r *http.Request, _ []byte) jsonapi.Response {
	pi, missing := s.pathIntent(r)
	if missing != nil {
		return missing.Response()
	}
	switch pi.Status {
	case statusCanceled:
	case statusRequiresConfirmation, statusFailed:
		s.intentEvent(pi, statusCanceled, "", &deliveryPlan{})
	default:
		return unexpectedState(pi, "only one awaiting confirmation, or declined, can be canceled")
	}
	return jsonapi.Response{Status: http.StatusOK, Body: pi.intentJSON}
}

// intentEvent moves pi to status and records its event. With a plan the
// event is delivered (an out_of_order plan re-sends the intent's earlier
// event after it); without one it is only recorded. The caller holds s.mu.
func (s *Server) intentEvent(pi *intent, status, failureCode string, plan *deliveryPlan) {
	pi.Status, pi.FailureCode = status, failureCode
	obj := pi.public()
	typ := "payment_intent." + status
	if status == statusFailed {
		typ = "payment_intent.payment_failed"
	}
	ev := s.newEvent(typ, obj)
	if plan != nil {
		if plan.fault == faultOutOfOrder && len(pi.events) > 0 {
			plan.stale = &pi.events[len(pi.events)-1]
		}
		s.deliver(ev, *plan)
	}
	pi.events = append(pi.events, ev)
}

// after runs f once d has passed, unless the server is closed first.
func (s *Server) after(d time.Duration, f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			f()
		case <-s.ctx.Done():
		}
	}()
}
