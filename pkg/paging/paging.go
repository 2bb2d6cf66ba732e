// Package paging is the one page-token and page-size implementation of the
// services' list methods. A page token is opaque to clients: base64url of a
// version byte, the JSON of a small keyset cursor (the sort key of the last
// row served, and whatever ties the token to its query) and a checksum. The
// checksum is not a signature: a cursor only holds ordering keys the caller
// has already seen, so a forged one reveals nothing; it makes an edited,
// truncated or foreign token fail loudly as InvalidArgument on page_token
// instead of quietly starting somewhere else.
package paging

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"reflect"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Field paths of the paging request, as every list method names them in
// its field violations (crossdock.common.v1.PageRequest under "page").
const (
	SizeField  = "page.page_size"
	TokenField = "page.page_token"
)

// ErrBadToken is the answer to a page token this package did not make, or
// made for another list or query.
var ErrBadToken = apperr.InvalidField(TokenField, "is not a token from a previous page of this list")

// version is the token layout; a change of layout or cursor encoding bumps it,
// so older tokens are refused rather than misread.
const version = 1

// sumLen is how many bytes of SHA-256 a token carries.
const sumLen = 8

// Limits are a list method's page sizes.
type Limits struct {
	// Default is the size of a page when the request asks for none (0).
	Default int
	// Max caps a larger request, which is served, not refused.
	Max int
}

// Size returns the page size to serve for a requested one: Default when 0,
// capped at Max; a negative size is the caller's mistake.
func (l Limits) Size(requested int) (int, error) {
	switch {
	case requested < 0:
		return 0, apperr.InvalidField(SizeField, "must not be negative")
	case requested == 0:
		return l.Default, nil
	default:
		return min(requested, l.Max), nil
	}
}

// Validator is a cursor that can tell whether its decoded fields make sense
// (an id that is not zero, a positive sequence); Decode refuses the token
// when Valid reports false.
type Validator interface {
	Valid() bool
}

// Encode returns the page token of cursor, a struct of plain fields that
// encoding/json round-trips.
func Encode(cursor any) string { return EncodeFor(nil, cursor) }

// EncodeFor returns the page token of cursor for a list filtered by query
// (a value encoding/json marshals: the filter's fields, nil for none). The
// query is not in the token, only in its checksum: DecodeFor refuses the
// token with any other query. A keyset cursor taken from one filter's list
// and used with another starts at the wrong place and quietly skips the
// other list's rows before it.
func EncodeFor(query, cursor any) string {
	payload := marshal(cursor)
	b := make([]byte, 0, 1+len(payload)+sumLen)
	b = append(b, version)
	b = append(b, payload...)
	b = append(b, checksum(b, query)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a token made by Encode into cursor, a pointer to the same
// struct type. Anything else (bad base64, another version, a wrong
// checksum, fields the cursor does not have, or a Validator that reports
// false) is ErrBadToken. An empty token is not a token: callers test for
// the first page before decoding.
func Decode(token string, cursor any) error { return DecodeFor(token, nil, cursor) }

// DecodeFor reads a token made by EncodeFor with the same query into
// cursor, as Decode does; a token made for another query is ErrBadToken.
func DecodeFor(token string, query, cursor any) error {
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) < 1+sumLen || b[0] != version {
		return ErrBadToken
	}
	body, sum := b[:len(b)-sumLen], b[len(b)-sumLen:]
	if !bytes.Equal(sum, checksum(body, query)) {
		return ErrBadToken
	}
	dec := json.NewDecoder(bytes.NewReader(body[1:]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cursor); err != nil || dec.More() {
		return ErrBadToken
	}
	if v, ok := cursor.(Validator); ok && !v.Valid() {
		return ErrBadToken
	}
	return nil
}

// marshal is the JSON of a cursor or query: structs of ids, numbers,
// strings and times, which always marshal, so a failure is a programming
// error.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("paging: cursor or query does not marshal: " + err.Error())
	}
	return b
}

// checksum is the token body's, and the query's when it filters anything. A
// nil or zero query (a list asked for unfiltered) adds nothing: such tokens
// are those Encode always made, so an unfiltered list's tokens stay good
// across an upgrade, and through a rolling one in both directions.
func checksum(b []byte, query any) []byte {
	h := sha256.New()
	h.Write(b)
	if query != nil && !reflect.ValueOf(query).IsZero() {
		h.Write([]byte{0})
		h.Write(marshal(query))
	}
	return h.Sum(nil)[:sumLen]
}
