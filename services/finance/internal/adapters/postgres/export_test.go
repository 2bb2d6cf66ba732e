package postgres

import (
	"context"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// Batched is one command of a batch a test forms by hand.
type Batched struct {
	Cmd    ledger.Command
	Events []outbox.Message
}

// ExecuteBatch applies cmds as one batch, as the queue would when they
// arrive together, and returns each answer.
func (l *Ledger) ExecuteBatch(ctx context.Context, cmds []Batched) ([]ledger.Result, []error) {
	reqs := make([]request, len(cmds))
	for i, c := range cmds {
		reqs[i] = request{cmd: c.Cmd, fp: ledger.Fingerprint(c.Cmd), events: c.Events}
	}
	out := l.flush(ctx, reqs)
	res, errs := make([]ledger.Result, len(out)), make([]error, len(out))
	for i, o := range out {
		res[i], errs[i] = o.Value, o.Err
	}
	return res, errs
}
