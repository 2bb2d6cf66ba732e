package restmarket

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// The protocol's error codes docking tells apart (TOP's numbering); the
// rest is the partner refusing the call.
const (
	codeCallLimited = 7
	codeUnavailable = 10
	codeRemote      = 15
)

// The sub codes of business errors docking acts on.
const (
	subTradeNotExist     = "isv.trade-not-exist"
	subLogisticsConflict = "isv.logistics-conflict"
)

// Errors of the connector.
var (
	// ErrWaybillConflict is the partner holding another waybill for lines
	// we confirm: a second parcel for shipped goods needs an operator.
	ErrWaybillConflict = app.ErrWaybillConflict
	// ErrRefused is the partner refusing a call: our app key, signature or
	// parameters. Retrying the same call will not help.
	ErrRefused = apperr.FailedPrecondition("the partner refused the call").WithReason("PARTNER_REFUSED")
)

// errNoSuchTrade is the partner not knowing a trade id; the methods that
// take one turn it into an apperr NotFound naming it.
var errNoSuchTrade = errors.New("the partner has no such trade")

// errorResponse is the protocol's error body.
type errorResponse struct {
	Code    int    `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code"`
}

// refusal maps the partner's error body. The partner's msg is not passed
// on (it is text from outside); its codes are.
func refusal(method string, raw json.RawMessage) error {
	var e errorResponse
	if err := json.Unmarshal(raw, &e); err != nil {
		return badAnswer(method, err)
	}
	switch {
	case e.Code == codeCallLimited:
		return &app.RateLimited{}
	case e.Code == codeUnavailable:
		return apperr.Unavailable("the partner is unavailable").WithReason("PARTNER_UNREACHABLE")
	case e.SubCode == subLogisticsConflict:
		return ErrWaybillConflict
	case e.SubCode == subTradeNotExist:
		return errNoSuchTrade
	}
	what := "code " + strconv.Itoa(e.Code)
	if e.SubCode != "" {
		what += ", " + e.SubCode
	}
	return refused(method, "it answered "+what, nil).WithMetadata("partner_code", strconv.Itoa(e.Code)).
		WithMetadata("partner_sub_code", e.SubCode)
}

// refused is ErrRefused saying which method and why.
func refused(method, why string, cause error) *apperr.Error {
	e := apperr.FailedPrecondition("the partner refused " + method + ": " + why).WithReason("PARTNER_REFUSED")
	if cause != nil {
		return e.Wrap(cause)
	}
	return e
}

// unreachable is a call that got no answer, or a 5xx: worth retrying later.
func unreachable(p domain.Partner, cause error) error {
	return apperr.Unavailable("the partner's endpoint " + p.Endpoint + " cannot be reached").
		WithReason("PARTNER_UNREACHABLE").Wrap(cause)
}

// badAnswer is an answer that is not the protocol: the partner's side must
// be fixed, so it is not retried blindly.
func badAnswer(method string, cause error) error {
	return apperr.FailedPrecondition("the partner's answer to " + method + " is not the protocol").
		WithReason("PARTNER_BAD_ANSWER").Wrap(cause)
}
