package jsonapi

import (
	"bytes"
	"encoding/json"
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
