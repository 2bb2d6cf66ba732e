package restmarket

import (
	"errors"
	"net/http"
	"strings"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

// apiError is the protocol's error body, {"error_response": {"code", "msg",
// "sub_code"}}, with the HTTP status it goes out with (200 for everything
// but the rate limit and server errors, as TOP does).
type apiError struct {
	status  int
	Code    int    `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code,omitempty"`
}

// The protocol's error codes, TOP's numbering. Business errors are
// codeRemote with a sub code saying what.
const (
	codeCallLimited      = 7
	codeUnavailable      = 10
	codeRemote           = 15
	codeMissingMethod    = 21
	codeInvalidMethod    = 22
	codeMissingSignature = 24
	codeInvalidSignature = 25
	codeMissingAppKey    = 28
	codeInvalidAppKey    = 29
	codeMissingTimestamp = 30
	codeInvalidTimestamp = 31
	codeMissingArgument  = 40
	codeInvalidArgument  = 41
)

// The business errors' sub codes.
const (
	subInvalidParameter   = "isv.invalid-parameter"
	subTradeNotExist      = "isv.trade-not-exist"
	subTradeStatusInvalid = "isv.trade-status-invalid"
	subLogisticsConflict  = "isv.logistics-conflict"
)

func platformError(code int, msg, sub string) *apiError {
	return &apiError{status: http.StatusOK, Code: code, Msg: msg, SubCode: sub}
}

// missing is a required parameter not sent.
func missing(name string) *apiError {
	return platformError(codeMissingArgument, "Missing required arguments: "+name, "isv.missing-parameter:"+name)
}

// invalid is a parameter that cannot be read.
func invalid(name, why string) *apiError {
	return platformError(codeInvalidArgument, "Invalid arguments: "+name+" "+why, subInvalidParameter+":"+name)
}

// businessError answers an error of the market in the protocol's terms;
// notFound is the sub code of the object the method is about.
func businessError(err error, notFound string) *apiError {
	msg := strings.TrimPrefix(err.Error(), "partnersim: ")
	switch {
	case errors.Is(err, partnersim.ErrNotFound):
		return platformError(codeRemote, msg, notFound)
	case errors.Is(err, partnersim.ErrAlreadyShipped):
		return platformError(codeRemote, msg, subLogisticsConflict)
	case errors.Is(err, partnersim.ErrConflict):
		return platformError(codeRemote, msg, subTradeStatusInvalid)
	default:
		return platformError(codeRemote, msg, subInvalidParameter)
	}
}
