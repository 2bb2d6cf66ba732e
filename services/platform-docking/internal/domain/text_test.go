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

// TestNeverReadsWholeKnowsTheStoredWording pins the problem text written
// into partner_payouts and settlement rows since they were first kept
// unreadable for their text: NeverReadsWhole finds such rows by it, so a
// reworded TextProblem would let rows stored before the change be read
// "whole" again from text that is no longer what the partner sent.
func TestNeverReadsWholeKnowsTheStoredWording(t *testing.T) {
	stored := []string{"text with a NUL character or invalid UTF-8 (kept with U+FFFD in its place)"}
	if !domain.NeverReadsWhole("w-1", stored) {
		t.Fatalf("a row stored with %q would be read whole again: keep recognising that wording", stored[0])
	}
	if domain.NeverReadsWhole("w-1", []string{"amount: unknown currency"}) {
		t.Fatal("a row kept for another problem is read again whole, once the partner's record reads")
	}
}
