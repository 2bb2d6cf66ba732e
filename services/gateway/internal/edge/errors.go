package edge

import (
	"encoding/json"
	"net/http"

	"google.golang.org/grpc/codes"
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
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(errorBody{Code: code, Message: message, Details: []any{}})
}
