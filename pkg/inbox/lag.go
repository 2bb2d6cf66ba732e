package inbox

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/natsx"
)

// Lag is how far a durable consumer is behind its stream.
type Lag struct {
	// Pending counts messages of its subjects not yet delivered to it.
	Pending uint64
	// Unacknowledged counts messages delivered and not yet acknowledged
	// (being applied, or waiting for a redelivery after a failure).
	Unacknowledged int
}

// ConsumerLag asks the server how far the durable consumer is behind; a
// consumer not created yet has no lag to report and answers
// jetstream.ErrConsumerNotFound.
func ConsumerLag(ctx context.Context, js jetstream.JetStream, stream, consumer string) (Lag, error) {
	cons, err := js.Consumer(ctx, stream, consumer)
	if err != nil {
		return Lag{}, err
	}
	info := cons.CachedInfo()
	return Lag{Pending: info.NumPending, Unacknowledged: info.NumAckPending}, nil
}

// CountDeadLetters returns how many dead letters each of the consumers has
// (zero for one with none), from the dead-letter stream's per-subject state.
func CountDeadLetters(ctx context.Context, js jetstream.JetStream, consumers []string) (map[string]uint64, error) {
	out := make(map[string]uint64, len(consumers))
	for _, c := range consumers {
		out[c] = 0
	}
	stream, err := js.Stream(ctx, natsx.DeadLetterStream.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter("deadletter.>"))
	if err != nil {
		return nil, err
	}
	for _, c := range consumers {
		out[c] = info.State.Subjects[DeadLetterSubject(c)]
	}
	return out, nil
}
