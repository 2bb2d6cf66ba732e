package inbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/natsx"
)

// DeadLetter is a message a consumer gave up on.
type DeadLetter struct {
	// Seq is its sequence in the dead-letter stream; Replay and Discard take it.
	Seq             uint64
	Consumer        string
	OriginalSubject string
	EventID         string
	EventType       string
	Error           string
	Deliveries      int
	At              time.Time
	// Payload and Header are the event as it was delivered, with the
	// dead-letter headers added.
	Payload []byte
	Header  nats.Header
}

// ErrDeadLetterNotFound is the answer for a sequence the dead-letter stream
// does not hold (replayed, discarded, aged out, or never there).
var ErrDeadLetterNotFound = errors.New("inbox: no such dead letter")

// ErrReplayFailed wraps the handler's error when a replayed event fails again.
var ErrReplayFailed = errors.New("replay failed; the dead letter stays")

// ListDeadLetters returns the dead letters of one consumer ("" for all), oldest first.
func ListDeadLetters(ctx context.Context, js jetstream.JetStream, consumer string) ([]DeadLetter, error) {
	return ListDeadLettersAfter(ctx, js, consumer, 0, 0)
}

// ListDeadLettersAfter returns up to limit dead letters (0 for all) of one
// consumer ("" for all) with a sequence above after, oldest first: a page of
// the list, whose next page starts after the last one returned.
func ListDeadLettersAfter(ctx context.Context, js jetstream.JetStream, consumer string, after uint64, limit int) ([]DeadLetter, error) {
	stream, err := js.Stream(ctx, natsx.DeadLetterStream.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	filter := "deadletter.>"
	if consumer != "" {
		filter = DeadLetterSubject(consumer)
	}
	var out []DeadLetter
	for seq := after + 1; limit <= 0 || len(out) < limit; {
		// The server returns the first message at or after seq on the subject.
		msg, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, fromMsg(msg))
		seq = msg.Sequence + 1
	}
	return out, nil
}

// GetDeadLetter returns the dead letter at seq.
func GetDeadLetter(ctx context.Context, js jetstream.JetStream, seq uint64) (DeadLetter, error) {
	stream, err := js.Stream(ctx, natsx.DeadLetterStream.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return DeadLetter{}, ErrDeadLetterNotFound
	}
	if err != nil {
		return DeadLetter{}, err
	}
	msg, err := stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return DeadLetter{}, ErrDeadLetterNotFound
	}
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dead letter %d: %w", seq, err)
	}
	return fromMsg(msg), nil
}

// DiscardDeadLetter removes the dead letter at seq without applying it.
func DiscardDeadLetter(ctx context.Context, js jetstream.JetStream, seq uint64) error {
	stream, err := js.Stream(ctx, natsx.DeadLetterStream.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return ErrDeadLetterNotFound
	}
	if err != nil {
		return err
	}
	err = stream.DeleteMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) || errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful) {
		return ErrDeadLetterNotFound
	}
	return err
}

func fromMsg(msg *jetstream.RawStreamMsg) DeadLetter {
	h := msg.Header
	deliveries, _ := strconv.Atoi(h.Get(HeaderDLQDeliveries))
	at, _ := time.Parse(time.RFC3339Nano, h.Get(HeaderDLQAt))
	return DeadLetter{
		Seq: msg.Sequence, Consumer: h.Get(HeaderDLQConsumer), OriginalSubject: h.Get(HeaderDLQSubject),
		EventID: h.Get(natsx.HeaderEventID), EventType: h.Get(natsx.HeaderEventType),
		Error: h.Get(HeaderDLQError), Deliveries: deliveries, At: at,
		Payload: msg.Data, Header: h,
	}
}

// Replay applies the dead letter at seq through this consumer, in one
// transaction with its inbox row, and then removes it from the dead-letter
// stream. applied is false when the consumer had applied the event already
// (only the removal happens). A handler that fails again leaves the dead
// letter in place and returns its error.
//
// The event is applied here rather than published again: the consuming
// service may not publish on another area's subjects, and only the consumer
// that gave up needs it again.
func (c *Consumer) Replay(ctx context.Context, seq uint64) (applied bool, err error) {
	c.defaults()
	dl, err := GetDeadLetter(ctx, c.JS, seq)
	if err != nil {
		return false, err
	}
	if dl.Consumer != c.Name {
		return false, fmt.Errorf("dead letter %d belongs to consumer %q, not %q: %w", seq, dl.Consumer, c.Name, ErrDeadLetterNotFound)
	}
	id, err := uuid.Parse(dl.EventID)
	if err != nil {
		return false, fmt.Errorf("dead letter %d has no valid event id: %w", seq, err)
	}
	header := nats.Header{}
	for k, vs := range dl.Header {
		switch k {
		case HeaderDLQConsumer, HeaderDLQSubject, HeaderDLQError, HeaderDLQDeliveries, HeaderDLQAt:
			continue
		}
		header[k] = vs
	}
	applied, err = c.apply(natsx.ExtractTrace(ctx, header), Message{
		EventID: id, Subject: dl.OriginalSubject, Type: dl.EventType, Payload: dl.Payload, Header: header,
		Delivery: uint64(dl.Deliveries) + 1,
	})
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrReplayFailed, err)
	}
	if err := DiscardDeadLetter(ctx, c.JS, seq); err != nil && !errors.Is(err, ErrDeadLetterNotFound) {
		// Applied and recorded in the inbox: a second replay only removes it.
		return applied, fmt.Errorf("dead letter %d applied but not removed: %w", seq, err)
	}
	c.Log.Info("inbox: dead letter replayed", "consumer", c.Name, "event_id", id, "sequence", seq, "applied", applied)
	return applied, nil
}
