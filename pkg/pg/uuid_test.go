package pg_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/crossdock/crossdock/pkg/testkit"
)

// TestUUIDsRoundTrip writes and reads google/uuid values in every form the
// services use, in pgx's binary protocol and in the simple (text) one.
func TestUUIDsRoundTrip(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-empty"})
	if _, err := pool.Exec(ctx, `CREATE TABLE ids (id uuid PRIMARY KEY, parent uuid, tags uuid[])`); err != nil {
		t.Fatal(err)
	}
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO ids VALUES ($1, $2, $3), ($4, NULL, NULL)`, a, b, []uuid.UUID{b, c}, c); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			var id, parent uuid.UUID
			var tags []uuid.UUID
			var text string
			err := pool.QueryRow(ctx, `SELECT id, parent, tags, id::text FROM ids WHERE id = $1`, mode, a).Scan(&id, &parent, &tags, &text)
			if err != nil {
				t.Fatal(err)
			}
			if id != a || parent != b || !slices.Equal(tags, []uuid.UUID{b, c}) || text != a.String() {
				t.Errorf("read %v %v %v %q, want %v %v %v", id, parent, tags, text, a, b, []uuid.UUID{b, c})
			}
			// (The simple protocol cannot send a Go slice whose type it does not know.)
			if mode != pgx.QueryExecModeSimpleProtocol {
				var n int
				if err := pool.QueryRow(ctx, `SELECT count(*) FROM ids WHERE id = ANY($1)`, mode, []uuid.UUID{a, c, uuid.New()}).Scan(&n); err != nil || n != 2 {
					t.Errorf("ANY of a uuid list matched %d rows (%v), want 2", n, err)
				}
				// Ids held as strings, sent as uuid[].
				if err := pool.QueryRow(ctx, `SELECT count(*) FROM ids WHERE id = ANY($1::uuid[])`, mode, []string{a.String(), uuid.NewString()}).Scan(&n); err != nil || n != 1 {
					t.Errorf("ANY of a string list matched %d rows (%v), want 1", n, err)
				}
				if err := pool.QueryRow(ctx, `SELECT count(*) FROM ids WHERE id = ANY($1::uuid[])`, mode, []string{"nope"}).Scan(&n); err == nil {
					t.Errorf("a string list holding no uuid was sent")
				}
			}
			// NULL: uuid.Nil in a uuid.UUID (even one holding an earlier value),
			// nil through a pointer, invalid in a uuid.NullUUID.
			stale := a
			var ptr *uuid.UUID = &b
			var null uuid.NullUUID
			if err := pool.QueryRow(ctx, `SELECT parent, parent, parent FROM ids WHERE id = $1`, mode, c).Scan(&stale, &ptr, &null); err != nil {
				t.Fatal(err)
			}
			if stale != uuid.Nil || ptr != nil || null.Valid {
				t.Errorf("NULL read as %v, %v, %+v", stale, ptr, null)
			}
		})
	}
}

// TestUUIDsEncodeWithoutText: a connection of pg's pools encodes and scans
// a uuid.UUID as its 16 bytes, allocating nothing; pgx on its own goes
// through the type's text form (and an error built for its first attempt).
func TestUUIDsEncodeWithoutText(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "pg-empty"})
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	m := conn.Conn().TypeMap()
	u := uuid.New()
	var value any = u
	enc := m.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, value)
	buf := make([]byte, 0, 64)
	if got, err := enc.Encode(value, buf); err != nil || !slices.Equal(got, u[:]) {
		t.Fatalf("encoded %x, %v; want %x", got, err, u[:])
	}
	var out uuid.UUID
	scan := m.PlanScan(pgtype.UUIDOID, pgtype.BinaryFormatCode, &out)
	if err := scan.Scan(u[:], &out); err != nil || out != u {
		t.Fatalf("scanned %v, %v; want %v", out, err, u)
	}
	var text any = u.String()
	encText := m.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, text)
	if encText == nil {
		t.Fatalf("no plan encodes a string id as a binary uuid")
	}
	if got, err := encText.Encode(text, buf); err != nil || !slices.Equal(got, u[:]) {
		t.Fatalf("encoded %q as %x, %v; want %x", text, got, err, u[:])
	}
	if textAllocs := testing.AllocsPerRun(100, func() { _, _ = encText.Encode(text, buf) }); textAllocs != 0 {
		t.Errorf("encoding a string id allocates %v times, want 0", textAllocs)
	}
	encAllocs := testing.AllocsPerRun(100, func() { _, _ = enc.Encode(value, buf) })
	scanAllocs := testing.AllocsPerRun(100, func() { _ = scan.Scan(u[:], &out) })
	if encAllocs != 0 || scanAllocs != 0 {
		t.Errorf("encoding allocates %v times and scanning %v times, want 0: the uuid went through text", encAllocs, scanAllocs)
	}
}
