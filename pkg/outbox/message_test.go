package outbox_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/outbox"
)

func TestEmitAllOutsideATransaction(t *testing.T) {
	for _, tt := range []struct {
		name     string
		messages []outbox.Message
		want     error
	}{
		{name: "nothing to write needs no transaction", messages: nil, want: nil},
		{name: "an event needs one", messages: outbox.Of("test.thing.happened", wrapperspb.Int64(1)), want: outbox.ErrNoTransaction},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := outbox.EmitAll(context.Background(), nil, tt.messages...); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("EmitAll = %v, want %v", err, tt.want)
			}
		})
	}
}
