package paging_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/paging"
)

type cursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

func (c *cursor) Valid() bool { return c.ID != uuid.Nil }

type otherCursor struct {
	Seq int64 `json:"s"`
}

func TestTokenRoundTrip(t *testing.T) {
	want := cursor{At: time.Date(2026, 12, 2, 15, 4, 5, 123456000, time.UTC), ID: uuid.New()}
	token := paging.Encode(want)
	var got cursor
	if err := paging.Decode(token, &got); err != nil {
		t.Fatal(err)
	}
	if !got.At.Equal(want.At) || got.ID != want.ID {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(token); err != nil {
		t.Errorf("token %q is not unpadded base64url: %v", token, err)
	}
}

func TestBadTokensAreInvalidPageToken(t *testing.T) {
	valid := paging.Encode(cursor{At: time.Now(), ID: uuid.New()})
	raw, _ := base64.RawURLEncoding.DecodeString(valid)
	reencode := func(edit func([]byte) []byte) string {
		return base64.RawURLEncoding.EncodeToString(edit(slices.Clone(raw)))
	}
	cases := []struct{ name, token string }{
		{"not base64", "not a token!"},
		{"padded base64", valid + "="},
		{"too short", base64.RawURLEncoding.EncodeToString([]byte{1, 2})},
		{"a flipped payload byte", reencode(func(b []byte) []byte { b[5] ^= 1; return b })},
		{"a flipped checksum byte", reencode(func(b []byte) []byte { b[len(b)-1] ^= 1; return b })},
		{"truncated", valid[:len(valid)-3]},
		{"another version", reencode(func(b []byte) []byte { b[0] = 99; return b })},
		{"another list's cursor", paging.Encode(otherCursor{Seq: 7})},
		{"a cursor that fails validation", paging.Encode(cursor{At: time.Now()})},
		{"plain base64 of JSON (the old format)", base64.RawURLEncoding.EncodeToString([]byte(`{"t":"2026-12-02T15:04:05Z","i":"` + uuid.NewString() + `"}`))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c cursor
			err := paging.Decode(tc.token, &c)
			if !errors.Is(err, paging.ErrBadToken) {
				t.Fatalf("Decode(%q) = %v, want ErrBadToken", tc.token, err)
			}
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.KindInvalid || len(e.Violations) != 1 || e.Violations[0].Field != "page.page_token" {
				t.Errorf("error %v is not InvalidArgument with a violation on page.page_token", err)
			}
		})
	}
}

// A token made for one filter of a list is refused with another (or none),
// and taken with the same one; a filter-free token is the plain Encode's.
func TestATokenIsBoundToItsQuery(t *testing.T) {
	type filter struct {
		Status []string `json:"s"`
		Org    string   `json:"o"`
	}
	want := cursor{At: time.Now().UTC(), ID: uuid.New()}
	pending := filter{Status: []string{"pending"}, Org: "a"}
	token := paging.EncodeFor(pending, want)
	var got cursor
	if err := paging.DecodeFor(token, filter{Status: []string{"pending"}, Org: "a"}, &got); err != nil || got.ID != want.ID {
		t.Fatalf("DecodeFor with the same query = %+v, %v", got, err)
	}
	others := []any{filter{Status: []string{"paid"}, Org: "a"}, filter{Status: []string{"pending"}, Org: "b"}, filter{Org: "a"}, filter{}, nil}
	for _, other := range others {
		if err := paging.DecodeFor(token, other, &got); !errors.Is(err, paging.ErrBadToken) {
			t.Errorf("DecodeFor with query %+v = %v, want ErrBadToken", other, err)
		}
	}
	if err := paging.Decode(token, &got); !errors.Is(err, paging.ErrBadToken) {
		t.Errorf("Decode of a filtered list's token = %v, want ErrBadToken", err)
	}
	if err := paging.DecodeFor(paging.Encode(want), nil, &got); err != nil {
		t.Errorf("DecodeFor(nil) of Encode's token = %v", err)
	}
	// A list asked for unfiltered (a zero query) makes and takes the tokens
	// Encode makes: those of a release before the binding stay good.
	if err := paging.DecodeFor(paging.Encode(want), filter{}, &got); err != nil {
		t.Errorf("DecodeFor(zero filter) of Encode's token = %v", err)
	}
	if err := paging.Decode(paging.EncodeFor(filter{}, want), &got); err != nil {
		t.Errorf("Decode of a zero filter's token = %v", err)
	}
}

func TestLimits(t *testing.T) {
	l := paging.Limits{Default: 50, Max: 200}
	cases := []struct {
		requested, want int
		invalid         bool
	}{
		{0, 50, false}, {1, 1, false}, {200, 200, false}, {201, 200, false}, {-1, 0, true},
	}
	for _, tc := range cases {
		got, err := l.Size(tc.requested)
		if tc.invalid != (err != nil) || got != tc.want {
			t.Errorf("Size(%d) = %d, %v; want %d (invalid %v)", tc.requested, got, err, tc.want, tc.invalid)
		}
		if tc.invalid && !apperr.IsKind(err, apperr.KindInvalid) {
			t.Errorf("Size(%d) error %v is not InvalidArgument", tc.requested, err)
		}
	}
}
