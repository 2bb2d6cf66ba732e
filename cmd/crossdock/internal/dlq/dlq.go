// Package dlq is the operator's side of the DeadLetterService: it asks every
// service it knows for its dead letters and finds the service that owns one by
// its sequence, so `crossdock dlq` needs no Go and no NATS credentials.
package dlq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	opsv1 "github.com/crossdock/crossdock/gen/crossdock/ops/v1"
)

// Target is one service's DeadLetterService.
type Target struct {
	Service string
	Client  opsv1.DeadLetterServiceClient
}

// NewTarget is the service's DeadLetterService over conn.
func NewTarget(service string, conn grpc.ClientConnInterface) Target {
	return Target{Service: service, Client: opsv1.NewDeadLetterServiceClient(conn)}
}

// Operator runs the dlq commands against its targets as the account whose
// access token Token returns.
type Operator struct {
	Targets []Target
	Token   func(context.Context) (string, error)
	Out     io.Writer
	// Warn receives each service that did not answer while listing; the
	// list then goes on with the others and the command fails at its end.
	Warn io.Writer
}

func (o *Operator) authorized(ctx context.Context) (context.Context, error) {
	token, err := o.Token(ctx)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token), nil
}

// skippable is a service that cannot answer for dead letters: not running, or
// not serving the DeadLetterService.
func skippable(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.Unimplemented, codes.DeadlineExceeded:
		return true
	}
	return false
}

// List prints every target's dead letters (of one consumer, when given).
func (o *Operator) List(ctx context.Context, consumer string) error {
	ctx, err := o.authorized(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSEQ\tCONSUMER\tSUBJECT\tEVENT\tDELIVERIES\tDEAD-LETTERED\tERROR")
	total, known := 0, 0
	var silent []string
	for _, t := range o.Targets {
		letters, err := listAll(ctx, t, consumer)
		if skippable(err) {
			fmt.Fprintf(o.Warn, "%s: %s\n", t.Service, status.Convert(err).Message())
			silent = append(silent, t.Service)
			continue
		}
		if consumer != "" && status.Code(err) == codes.InvalidArgument {
			continue // not this service's consumer
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t.Service, err)
		}
		known++
		for _, d := range letters {
			total++
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", t.Service, d.GetSequence(), d.GetConsumer(),
				d.GetSubject(), d.GetEventId(), d.GetDeliveries(), when(d), oneLine(d.GetError(), 80))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "%d dead letters\n", total)
	switch {
	case len(silent) > 0:
		// An operator told "0 dead letters" by a mesh it could not reach
		// would close the alert: an incomplete list fails the command.
		return fmt.Errorf("the list is incomplete: %s did not answer", strings.Join(silent, ", "))
	case consumer != "" && known == 0:
		return fmt.Errorf("no service has a consumer %q (asked %s)", consumer, o.names())
	}
	return nil
}

func listAll(ctx context.Context, t Target, consumer string) ([]*opsv1.DeadLetter, error) {
	var out []*opsv1.DeadLetter
	token := ""
	for {
		resp, err := t.Client.ListDeadLetters(ctx, &opsv1.ListDeadLettersRequest{
			Consumer: consumer, Page: &commonv1.PageRequest{PageSize: 500, PageToken: token},
		})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.GetDeadLetters()...)
		if token = resp.GetPage().GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// owner finds the target whose consumer wrote the dead letter at seq.
func (o *Operator) owner(ctx context.Context, seq uint64) (Target, *opsv1.GetDeadLetterResponse, error) {
	var silent []string
	for _, t := range o.Targets {
		resp, err := t.Client.GetDeadLetter(ctx, &opsv1.GetDeadLetterRequest{Sequence: seq})
		if err == nil {
			return t, resp, nil
		}
		if skippable(err) {
			silent = append(silent, t.Service)
			continue
		}
		if status.Code(err) == codes.NotFound {
			continue
		}
		return Target{}, nil, fmt.Errorf("%s: %w", t.Service, err)
	}
	if len(silent) > 0 {
		return Target{}, nil, fmt.Errorf("no dead letter %d at the services that answered; %s did not answer", seq, strings.Join(silent, ", "))
	}
	return Target{}, nil, fmt.Errorf("no dead letter %d at %s", seq, o.names())
}

func (o *Operator) names() string {
	names := make([]string, len(o.Targets))
	for i, t := range o.Targets {
		names[i] = t.Service
	}
	return strings.Join(names, ", ")
}

// Show prints one dead letter: its fields, headers and payload (decoded
// when its type is known).
func (o *Operator) Show(ctx context.Context, seq uint64) error {
	ctx, err := o.authorized(ctx)
	if err != nil {
		return err
	}
	t, resp, err := o.owner(ctx, seq)
	if err != nil {
		return err
	}
	d := resp.GetDeadLetter()
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	for _, kv := range [][2]string{
		{"service", t.Service}, {"sequence", strconv.FormatUint(d.GetSequence(), 10)}, {"consumer", d.GetConsumer()},
		{"subject", d.GetSubject()}, {"event id", d.GetEventId()}, {"event type", d.GetEventType()},
		{"deliveries", strconv.Itoa(int(d.GetDeliveries()))}, {"dead-lettered", when(d)}, {"error", d.GetError()},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(o.Out, "headers:")
	for _, k := range sortedKeys(resp.GetHeaders()) {
		fmt.Fprintf(o.Out, "  %s: %s\n", k, resp.GetHeaders()[k])
	}
	fmt.Fprintf(o.Out, "payload:\n%s\n", Payload(d.GetEventType(), resp.GetPayload()))
	return nil
}

// Replay applies each dead letter again through the consumer that gave up
// on it; it goes on after a failure and returns every failure.
func (o *Operator) Replay(ctx context.Context, seqs []uint64) error {
	return o.each(ctx, seqs, "replayed", func(ctx context.Context, t Target, seq uint64) (string, error) {
		resp, err := t.Client.ReplayDeadLetter(ctx, &opsv1.ReplayDeadLetterRequest{Sequence: seq})
		if err != nil || resp.GetApplied() {
			return "", err
		}
		return " (the consumer had applied it already; removed)", nil
	})
}

// Discard removes each dead letter without applying it.
func (o *Operator) Discard(ctx context.Context, seqs []uint64) error {
	return o.each(ctx, seqs, "discarded", func(ctx context.Context, t Target, seq uint64) (string, error) {
		_, err := t.Client.DiscardDeadLetter(ctx, &opsv1.DiscardDeadLetterRequest{Sequence: seq})
		return "", err
	})
}

func (o *Operator) each(ctx context.Context, seqs []uint64, done string, do func(context.Context, Target, uint64) (string, error)) error {
	ctx, err := o.authorized(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, seq := range seqs {
		t, _, err := o.owner(ctx, seq)
		if err == nil {
			var note string
			if note, err = do(ctx, t, seq); err == nil {
				fmt.Fprintf(o.Out, "%d %s by %s%s\n", seq, done, t.Service, note)
				continue
			}
			err = fmt.Errorf("%d at %s: %s", seq, t.Service, status.Convert(err).Message())
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func when(d *opsv1.DeadLetter) string {
	if d.GetDeadLetteredAt() == nil {
		return "-"
	}
	return d.GetDeadLetteredAt().AsTime().UTC().Format(time.RFC3339)
}

// oneLine shortens an error to one line of at most n runes for the table.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
