package domain_test

import (
	"testing"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// JSON that decoding would not give back as sent is told from JSON that
// merely escapes what it may: an emoji's surrogate pair, an escaped
// backslash before "u0000".
func TestUnstorableJSON(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want bool
	}{
		{`{"id":"b1"}`, false},
		{`{"id":"\ud83d\ude00"}`, false},
		{`{"id":"b\\u0000"}`, false},
		{`{"id":"\u00e9\n\""}`, false},
		{`{"id":"b\u0000"}`, true},
		{`{"id":"b\ud800"}`, true},
		{`{"id":"b\ud800x"}`, true},
		{`{"id":"b\udc00"}`, true},
		{`{"id":"b\ud800\u0041"}`, true},
		{"{\"id\":\"b\xff\"}", true},
		{`{"id":"b\u12"}`, false}, // not JSON: the decoder says so
	} {
		if got := domain.UnstorableJSON([]byte(tt.raw)); got != tt.want {
			t.Errorf("UnstorableJSON(%s) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}
