package testkit

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/outbox"
)

// Emit commits one event with the payload on subject through the outbox of
// the database behind pool, as a use case would, and returns its id.
func Emit(t testing.TB, pool *pgxpool.Pool, subject string, payload proto.Message) string {
	t.Helper()
	ev, err := outbox.New(subject, payload)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return outbox.Add(ctx, tx, ev) }); err != nil {
		t.Fatal(err)
	}
	return ev.ID.String()
}
