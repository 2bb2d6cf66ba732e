package jsonapi

import (
	"encoding/json"
	"net/http"
)

// Error is the error object of every failed call. A simulator that needs
// more fields in it (the payment sandbox's card errors carry the intent)
// embeds it in a struct of its own.
type Error struct {
	Status  int    `json:"-"`
	Type    string `json:"type"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

func (e *Error) Error() string { return e.Type + "/" + e.Code + ": " + e.Message }

// Response answers e under the "error" key with its status.
func (e *Error) Response() Response { return ErrorResponse(e.Status, e) }

// ErrorResponse answers body, an Error or a struct embedding one, under the
// "error" key.
func ErrorResponse(status int, body any) Response {
	return Response{Status: status, Body: map[string]any{"error": body}}
}

// Invalid is a 400 for a bad parameter (param may be empty for the body as
// a whole).
func Invalid(param, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "parameter_invalid", Param: param, Message: msg}
}

// NotFound is a 404 for an object or route that does not exist.
func NotFound(msg string) *Error {
	return &Error{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "resource_missing", Message: msg}
}

// WriteJSON writes v with status as the answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes e as the answer.
func WriteError(w http.ResponseWriter, e *Error) {
	res := e.Response()
	WriteJSON(w, res.Status, res.Body)
}
