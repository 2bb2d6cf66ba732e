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
	writeStatus(w, httpStatus, errorBody{Code: code, Message: message, Details: []any{}})
}

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
