package edge

import (
	"encoding/json"
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

// errorBody is the JSON shape of errors the gateway itself produces: the same
// google.rpc.Status shape grpc-gateway renders for the services' errors, so
// clients parse one shape whoever answered.
type errorBody struct {
	Code    codes.Code `json:"code"`
	Message string     `json:"message"`
	Details []any      `json:"details"`
}

// WriteError writes a status-shaped JSON error.
func WriteError(w http.ResponseWriter, httpStatus int, code codes.Code, message string) {
	writeStatus(w, httpStatus, errorBody{Code: code, Message: message, Details: []any{}})
}

// writeErrorReason writes a status-shaped JSON error with a
// google.rpc.ErrorInfo naming its reason, as the services' errors carry
// theirs: a client tells a missing token from an expired one by it, not by
// the message, which is for people.
func writeErrorReason(w http.ResponseWriter, httpStatus int, code codes.Code, reason, message string) {
	info := map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": apperr.Domain}
	writeStatus(w, httpStatus, errorBody{Code: code, Message: message, Details: []any{info}})
}

// The reasons of the edge's own refusals of a request's token: those the
// services give (pkg/auth), and one of its own.
const (
	ReasonTokenMissing       = auth.ReasonTokenMissing
	ReasonTokenInvalid       = auth.ReasonTokenInvalid
	ReasonTokenNotForThisAPI = "TOKEN_NOT_FOR_PUBLIC_API"
)

// WriteBadRequest writes 400 with one field violation, shaped as
// google.rpc.BadRequest is when a service rejects a field.
func WriteBadRequest(w http.ResponseWriter, field, description string) {
	detail := map[string]any{
		"@type":           "type.googleapis.com/google.rpc.BadRequest",
		"fieldViolations": []map[string]string{{"field": field, "description": description}},
	}
	writeStatus(w, http.StatusBadRequest, errorBody{Code: codes.InvalidArgument, Message: "invalid request: " + description, Details: []any{detail}})
}

func writeStatus(w http.ResponseWriter, httpStatus int, body errorBody) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(body)
}
