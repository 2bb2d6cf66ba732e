package jsonapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// Decode reads a JSON body into v, refusing unknown fields so a typo in a
// test flag or a field name is an error rather than silently ignored, and
// refusing anything after the object.
func Decode(body []byte, v any) *Error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Invalid("", "the body is not the expected JSON: "+err.Error())
	}
	if dec.More() {
		return Invalid("", "the body holds more than one JSON value")
	}
	return nil
}

// DecodeRequest reads a request's JSON body (at most MaxBody) into v as
// Decode does, or writes why it cannot and returns false.
func DecodeRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		WriteError(w, Invalid("", "the request body could not be read"))
		return false
	}
	if e := Decode(body, v); e != nil {
		WriteError(w, e)
		return false
	}
	return true
}
