package pg_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/crossdock/crossdock/pkg/pg"
)

func TestNoRowsAndAffected(t *testing.T) {
	nf := errors.New("order not found")
	boom := errors.New("connection reset")
	for _, tt := range []struct {
		name      string
		got, want error
	}{
		{"no rows becomes not found", pg.NoRows(fmt.Errorf("scan: %w", pgx.ErrNoRows), nf), nf},
		{"another error stays", pg.NoRows(boom, nf), boom},
		{"no error stays none", pg.NoRows(nil, nf), nil},
		{"a failed write stays failed", pg.Affected(pgconn.CommandTag{}, boom, nf), boom},
		{"a write of no row is not found", pg.Affected(pgconn.NewCommandTag("UPDATE 0"), nil, nf), nf},
		{"a write of a row is fine", pg.Affected(pgconn.NewCommandTag("UPDATE 1"), nil, nf), nil},
	} {
		if !errors.Is(tt.got, tt.want) || (tt.want == nil) != (tt.got == nil) {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
