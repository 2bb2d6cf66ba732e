package inbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/natsx"
)

// DeadLetter is a message a consumer gave up on.
type DeadLetter struct {
	// Seq is its sequence in the dead-letter stream; Replay takes it.
	Seq             uint64
	Consumer        string
	OriginalSubject string
	EventID         string
	EventType       string
	Error           string
	Deliveries      int
	At              time.Time
}

// ListDeadLetters returns the dead letters of one consumer ("" for all), oldest first.
func ListDeadLetters(ctx context.Context, js jetstream.JetStream, consumer string) ([]DeadLetter, error) {
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
	for seq := uint64(1); ; {
		// The server returns the first message at or after seq on the subject.
		msg, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, fromMsg(msg.Sequence, msg.Header))
		seq = msg.Sequence + 1
	}
}

func fromMsg(seq uint64, h nats.Header) DeadLetter {
	deliveries, _ := strconv.Atoi(h.Get(HeaderDLQDeliveries))
	at, _ := time.Parse(time.RFC3339Nano, h.Get(HeaderDLQAt))
	return DeadLetter{
		Seq: seq, Consumer: h.Get(HeaderDLQConsumer), OriginalSubject: h.Get(HeaderDLQSubject),
		EventID: h.Get(natsx.HeaderEventID), EventType: h.Get(natsx.HeaderEventType),
		Error: h.Get(HeaderDLQError), Deliveries: deliveries, At: at,
	}
}

// ReplayDeadLetter publishes a dead letter back to its original subject and
// removes it from the dead-letter stream. The event keeps its event id, so any
// consumer that already applied it skips it; the one that failed applies it now.
func ReplayDeadLetter(ctx context.Context, js jetstream.JetStream, seq uint64) error {
	stream, err := js.Stream(ctx, natsx.DeadLetterStream.Name)
	if err != nil {
		return err
	}
	raw, err := stream.GetMsg(ctx, seq)
	if err != nil {
		return fmt.Errorf("dead letter %d: %w", seq, err)
	}
	orig := raw.Header.Get(HeaderDLQSubject)
	if orig == "" {
		return fmt.Errorf("dead letter %d has no original subject", seq)
	}
	msg := nats.NewMsg(orig)
	msg.Data = raw.Data
	for k, vs := range raw.Header {
		switch k {
		case HeaderDLQConsumer, HeaderDLQSubject, HeaderDLQError, HeaderDLQDeliveries, HeaderDLQAt:
			continue
		}
		for _, v := range vs {
			msg.Header.Add(k, v)
		}
	}
	// A fresh de-duplication id: the original is likely still in the window.
	msg.Header.Set(natsx.HeaderMsgID, fmt.Sprintf("%s:replay:%d", raw.Header.Get(natsx.HeaderEventID), seq))
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("replay %d: %w", seq, err)
	}
	return stream.DeleteMsg(ctx, seq)
}
