// Package deadletters serves crossdock.ops.v1.DeadLetterService for one
// service's inbox consumers: an operator lists the events they gave up on,
// looks at one, replays it through the consumer that failed, or discards it,
// without writing Go (the `crossdock dlq` command is its client).
package deadletters

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	opsv1 "github.com/crossdock/crossdock/gen/crossdock/ops/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/paging"
)

// pageLimits are the list's page sizes.
var pageLimits = paging.Limits{Default: 50, Max: 500}

// Server answers for the consumers added to it; a dead letter of another
// service's consumer is NotFound here, since only its own service can apply it.
type Server struct {
	opsv1.UnimplementedDeadLetterServiceServer

	js        jetstream.JetStream
	mu        sync.RWMutex
	consumers map[string]*inbox.Consumer
}

// New returns a server over js with no consumers yet.
func New(js jetstream.JetStream) *Server {
	return &Server{js: js, consumers: map[string]*inbox.Consumer{}}
}

// Add makes c's dead letters visible and replayable here.
func (s *Server) Add(c *inbox.Consumer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consumers[c.Name] = c
}

// Consumers returns the consumers added, by name.
func (s *Server) Consumers() []*inbox.Consumer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*inbox.Consumer, 0, len(s.consumers))
	for _, c := range s.consumers {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *inbox.Consumer) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Consumer returns the consumer added under name.
func (s *Server) Consumer(name string) (*inbox.Consumer, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.consumers[name]
	return c, ok
}

// Register adds the service to a gRPC server.
func (s *Server) Register(r grpc.ServiceRegistrar) { opsv1.RegisterDeadLetterServiceServer(r, s) }

// errOperatorsOnly refuses every caller but a signed-in admin: a dead letter
// holds another area's event, and replaying one changes state.
var errOperatorsOnly = apperr.PermissionDenied("dead letters are for admins only")

func requireAdmin(ctx context.Context) error {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return err
	}
	if !c.IsAdmin() {
		return errOperatorsOnly
	}
	return nil
}

// cursor is the list's page token: the last sequence served.
type cursor struct {
	After    uint64 `json:"a"`
	Consumer string `json:"c"`
}

// Valid reports a cursor that continues a list.
func (c cursor) Valid() bool { return c.After > 0 }

// ListDeadLetters returns the dead letters of this service's consumers.
func (s *Server) ListDeadLetters(ctx context.Context, req *opsv1.ListDeadLettersRequest) (*opsv1.ListDeadLettersResponse, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	size, err := pageLimits.Size(int(req.GetPage().GetPageSize()))
	if err != nil {
		return nil, err
	}
	var after uint64
	if token := req.GetPage().GetPageToken(); token != "" {
		var c cursor
		if err := paging.Decode(token, &c); err != nil || c.Consumer != req.GetConsumer() {
			return nil, paging.ErrBadToken
		}
		after = c.After
	}
	if name := req.GetConsumer(); name != "" {
		if _, ok := s.Consumer(name); !ok {
			return nil, apperr.InvalidField("consumer", "is not a consumer of this service (it has "+quoteList(s.Consumers())+")")
		}
	}
	resp := &opsv1.ListDeadLettersResponse{Page: &commonv1.PageResponse{}}
	if len(s.Consumers()) == 0 {
		// Nothing to show, and a service without consumers may not even
		// read the dead-letter stream.
		return resp, nil
	}
	// The stream holds every service's dead letters; others' are skipped.
	for len(resp.DeadLetters) < size {
		batch, err := inbox.ListDeadLettersAfter(ctx, s.js, req.GetConsumer(), after, size)
		if err != nil {
			return nil, toAppErr(err, 0)
		}
		for _, dl := range batch {
			if len(resp.DeadLetters) == size {
				// Full: the next page starts after the last one looked
				// at, so the rest of this batch is read again there.
				break
			}
			after = dl.Seq
			if _, ok := s.Consumer(dl.Consumer); ok {
				resp.DeadLetters = append(resp.DeadLetters, toProto(dl))
			}
		}
		if len(batch) < size && len(resp.DeadLetters) < size {
			return resp, nil // the stream's end, every letter of it served
		}
	}
	more, err := inbox.ListDeadLettersAfter(ctx, s.js, req.GetConsumer(), after, 1)
	if err != nil {
		return nil, toAppErr(err, 0)
	}
	if len(more) > 0 {
		resp.Page.NextPageToken = paging.Encode(cursor{After: after, Consumer: req.GetConsumer()})
	}
	return resp, nil
}

// GetDeadLetter returns one dead letter with its payload and headers.
func (s *Server) GetDeadLetter(ctx context.Context, req *opsv1.GetDeadLetterRequest) (*opsv1.GetDeadLetterResponse, error) {
	dl, err := s.own(ctx, req.GetSequence())
	if err != nil {
		return nil, err
	}
	headers := make(map[string]string, len(dl.Header))
	for k := range dl.Header {
		headers[k] = dl.Header.Get(k)
	}
	return &opsv1.GetDeadLetterResponse{DeadLetter: toProto(dl), Payload: dl.Payload, Headers: headers}, nil
}

// ReplayDeadLetter applies a dead letter through its consumer.
func (s *Server) ReplayDeadLetter(ctx context.Context, req *opsv1.ReplayDeadLetterRequest) (*opsv1.ReplayDeadLetterResponse, error) {
	dl, err := s.own(ctx, req.GetSequence())
	if err != nil {
		return nil, err
	}
	c, _ := s.Consumer(dl.Consumer)
	applied, err := c.Replay(ctx, dl.Seq)
	if err != nil {
		return nil, toAppErr(err, dl.Seq)
	}
	return &opsv1.ReplayDeadLetterResponse{Applied: applied}, nil
}

// DiscardDeadLetter removes a dead letter without applying it.
func (s *Server) DiscardDeadLetter(ctx context.Context, req *opsv1.DiscardDeadLetterRequest) (*opsv1.DiscardDeadLetterResponse, error) {
	dl, err := s.own(ctx, req.GetSequence())
	if err != nil {
		return nil, err
	}
	if err := inbox.DiscardDeadLetter(ctx, s.js, dl.Seq); err != nil {
		return nil, toAppErr(err, dl.Seq)
	}
	return &opsv1.DiscardDeadLetterResponse{}, nil
}

// own checks the caller and returns the dead letter at seq when one of this
// service's consumers wrote it.
func (s *Server) own(ctx context.Context, seq uint64) (inbox.DeadLetter, error) {
	if err := requireAdmin(ctx); err != nil {
		return inbox.DeadLetter{}, err
	}
	if seq == 0 {
		return inbox.DeadLetter{}, apperr.InvalidField("sequence", "is required")
	}
	if len(s.Consumers()) == 0 {
		return inbox.DeadLetter{}, toAppErr(inbox.ErrDeadLetterNotFound, seq)
	}
	dl, err := inbox.GetDeadLetter(ctx, s.js, seq)
	if err != nil {
		return inbox.DeadLetter{}, toAppErr(err, seq)
	}
	if _, ok := s.Consumer(dl.Consumer); !ok {
		return inbox.DeadLetter{}, toAppErr(inbox.ErrDeadLetterNotFound, seq)
	}
	return dl, nil
}

// toAppErr is the one place inbox and JetStream errors become the API's: a
// missing dead letter is NotFound, a replay whose handler failed again is
// FailedPrecondition with the handler's error (the same text the dead letter
// already shows an operator), the broker unreachable is Unavailable.
func toAppErr(err error, seq uint64) error {
	var ae *apperr.Error
	switch {
	case errors.Is(err, inbox.ErrReplayFailed):
		return apperr.FailedPrecondition(err.Error()).WithReason("REPLAY_FAILED")
	case errors.As(err, &ae):
		return err
	case errors.Is(err, inbox.ErrDeadLetterNotFound):
		return apperr.NotFound("dead letter", strconv.FormatUint(seq, 10))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled):
		return apperr.Unavailable("the message broker did not answer").Wrap(err)
	}
	return err
}

func toProto(dl inbox.DeadLetter) *opsv1.DeadLetter {
	out := &opsv1.DeadLetter{
		Sequence: dl.Seq, Consumer: dl.Consumer, Subject: dl.OriginalSubject, EventId: dl.EventID,
		EventType: dl.EventType, Error: dl.Error, Deliveries: int32(dl.Deliveries),
	}
	if !dl.At.IsZero() {
		out.DeadLetteredAt = timestamppb.New(dl.At)
	}
	return out
}

func quoteList(consumers []*inbox.Consumer) string {
	if len(consumers) == 0 {
		return "none"
	}
	quoted := make([]string, len(consumers))
	for i, c := range consumers {
		quoted[i] = strconv.Quote(c.Name)
	}
	return strings.Join(quoted, ", ")
}
