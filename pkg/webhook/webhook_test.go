package webhook_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/webhook"
)

func TestVerify(t *testing.T) {
	secret, other := []byte("whsec_a"), []byte("whsec_b")
	body := []byte(`{"id":"evt_1","type":"payment_intent.succeeded"}`)
	sent := time.Unix(1_800_000_000, 0)
	good := webhook.Sign(secret, sent, body)
	tests := []struct {
		name    string
		header  string
		body    []byte
		now     time.Time
		secrets [][]byte
		want    error
	}{
		{"good", good, body, sent.Add(time.Minute), [][]byte{secret}, nil},
		{"clock behind the sender", good, body, sent.Add(-time.Minute), [][]byte{secret}, nil},
		{"rotated: old secret still listed", good, body, sent, [][]byte{other, secret}, nil},
		{"two signatures, one matches", webhook.Sign(other, sent, body) + "," + good[len("t=1800000000,"):], body, sent, [][]byte{secret}, nil},
		{"wrong secret", good, body, sent, [][]byte{other}, webhook.ErrSignature},
		{"body changed", good, []byte(`{"id":"evt_1","type":"payment_intent.succeeded "}`), sent, [][]byte{secret}, webhook.ErrSignature},
		{"timestamp changed", "t=1800000001" + good[len("t=1800000000"):], body, sent, [][]byte{secret}, webhook.ErrSignature},
		{"replayed after the window", good, body, sent.Add(5*time.Minute + time.Second), [][]byte{secret}, webhook.ErrTimestamp},
		{"from the future", good, body, sent.Add(-5*time.Minute - time.Second), [][]byte{secret}, webhook.ErrTimestamp},
		{"empty", "", body, sent, [][]byte{secret}, webhook.ErrMalformed},
		{"no signature", "t=1800000000", body, sent, [][]byte{secret}, webhook.ErrMalformed},
		{"no time", good[len("t=1800000000,"):], body, sent, [][]byte{secret}, webhook.ErrMalformed},
		{"not hex", "t=1800000000,v1=zz", body, sent, [][]byte{secret}, webhook.ErrMalformed},
		{"short", "t=1800000000,v1=abcd", body, sent, [][]byte{secret}, webhook.ErrMalformed},
		{"time twice", "t=1," + good, body, sent, [][]byte{secret}, webhook.ErrMalformed},
		{"time not a number", "t=soon,v1=" + good[len("t=1800000000,v1="):], body, sent, [][]byte{secret}, webhook.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := webhook.Verify(tt.header, tt.body, tt.now, webhook.DefaultTolerance, tt.secrets...)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}
