package idempotency_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/crossdock/crossdock/pkg/idempotency"
)

func TestKey(t *testing.T) {
	header := func(values ...string) context.Context {
		md := metadata.MD{}
		for _, v := range values {
			md.Append("idempotency-key", v)
		}
		return metadata.NewIncomingContext(context.Background(), md)
	}
	for _, tt := range []struct {
		name  string
		ctx   context.Context
		field string
		want  string
	}{
		{"the field", header("from-header"), "from-field", "from-field"},
		{"the header", header("from-header"), "", "from-header"},
		{"neither", context.Background(), "", ""},
		{"two headers: ambiguous, none", header("a", "b"), "", ""},
	} {
		if got := idempotency.Key(tt.ctx, tt.field); got != tt.want {
			t.Errorf("%s: Key = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	type req struct {
		Name  string
		Lines map[string]int
	}
	a := idempotency.Fingerprint(req{"x", map[string]int{"a": 1, "b": 2}})
	if b := idempotency.Fingerprint(req{"x", map[string]int{"b": 2, "a": 1}}); a != b {
		t.Errorf("the same request fingerprinted %s and %s", a, b)
	}
	if c := idempotency.Fingerprint(req{"x", map[string]int{"a": 1, "b": 3}}); a == c {
		t.Error("another request has the same fingerprint")
	}
	if len(a) != 64 {
		t.Errorf("fingerprint %q is not 32 bytes of hex", a)
	}
}

func TestCheckKey(t *testing.T) {
	for key, ok := range map[string]bool{"": true, "k": true, string(make([]byte, 128)): true, string(make([]byte, 129)): false} {
		if err := idempotency.CheckKey(key); (err == nil) != ok {
			t.Errorf("CheckKey(%d bytes) = %v", len(key), err)
		}
	}
}
