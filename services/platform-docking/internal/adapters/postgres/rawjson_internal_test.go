package postgres

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// A partner's record is kept as jsonb, which holds neither a NUL character
// nor bytes that are not UTF-8: such a record is stored with U+FFFD in
// their place instead of failing its insert, and with it the partner's
// page, every round. JSON jsonb can hold is kept as received.
func TestRawJSONIsWhatJSONBHolds(t *testing.T) {
	tests := []struct {
		name, raw string
		same      bool // kept byte for byte
	}{
		{"JSON", `{"id": "b1", "amount": "30.00"}`, true},
		{"an escaped backslash before u0000", `{"id": "b\\u0000"}`, true},
		{"a NUL in a value", `{"id": "b\u0000", "lines": ["x\u0000"]}`, false},
		{"a NUL in a key", `{"i\u0000d": 1}`, false},
		{"a lone surrogate", `{"id": "b\ud800"}`, false},
		{"an emoji's surrogate pair", `{"id": "\ud83d\ude00"}`, true},
		{"bytes not UTF-8 in JSON", "{\"id\": \"b\xff\"}", false},
		{"text with a NUL", "not json \x00", false},
		{"text not UTF-8", "not json \xff", false},
		{"a number kept as written", `{"amount": 30.000000000000000001}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rawJSON([]byte(tt.raw))
			if !json.Valid(got) || !utf8.Valid(got) || bytes.Contains(got, []byte(`\u0000`)) && !bytes.Contains(got, []byte(`\\u0000`)) {
				t.Fatalf("rawJSON(%q) = %s: not JSON jsonb holds", tt.raw, got)
			}
			if tt.same != (string(got) == tt.raw) {
				t.Errorf("rawJSON(%q) = %s; kept as received: %v, want %v", tt.raw, got, !tt.same, tt.same)
			}
		})
	}
	if got := string(rawJSON([]byte(`{"amount": 30.000000000000000001, "id": "b\u0000"}`))); got != `{"amount":30.000000000000000001,"id":"b`+"\uFFFD"+`"}` {
		t.Errorf("re-encoded: %s; want its numbers as written and U+FFFD for the NUL", got)
	}
}
