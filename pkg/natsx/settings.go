package natsx

import (
	"errors"
	"fmt"
	"time"
)

// StreamSettings are the replicas and retention limits of a service's own
// stream and of the shared dead-letter stream, read from the environment.
// Every stream gets an age and a size limit, so the brokers' volumes cannot
// fill: the deployment sizes them so that the sum of every stream's MaxBytes
// fits the NATS volume (a manifest rule checks it).
type StreamSettings struct {
	// Replicas of every stream the service creates: 1 on a single server,
	// 3 on the production cluster.
	Replicas int `env:"NATS_STREAM_REPLICAS" envDefault:"1"`
	// MaxAge and MaxBytes bound the service's own stream. A consumer that is
	// down longer than MaxAge misses events, so it is well beyond any outage
	// the alerts let pass unnoticed.
	MaxAge   time.Duration `env:"NATS_STREAM_MAX_AGE" envDefault:"168h"`
	MaxBytes int64         `env:"NATS_STREAM_MAX_BYTES" envDefault:"1073741824"`
	// DeadLetterMaxAge and DeadLetterMaxBytes bound the dead-letter stream:
	// long enough for an operator to look at a poison message and replay it.
	DeadLetterMaxAge   time.Duration `env:"NATS_DEADLETTER_MAX_AGE" envDefault:"720h"`
	DeadLetterMaxBytes int64         `env:"NATS_DEADLETTER_MAX_BYTES" envDefault:"268435456"`
}

// Validate refuses settings that would leave a stream unbounded or without
// a replica.
func (s StreamSettings) Validate() error {
	var errs []error
	if s.Replicas < 1 || s.Replicas > 5 {
		errs = append(errs, fmt.Errorf("NATS_STREAM_REPLICAS must be between 1 and 5, not %d", s.Replicas))
	}
	if s.MaxAge <= 0 || s.DeadLetterMaxAge <= 0 {
		errs = append(errs, errors.New("NATS_STREAM_MAX_AGE and NATS_DEADLETTER_MAX_AGE must be positive"))
	}
	if s.MaxBytes <= 0 || s.DeadLetterMaxBytes <= 0 {
		errs = append(errs, errors.New("NATS_STREAM_MAX_BYTES and NATS_DEADLETTER_MAX_BYTES must be positive"))
	}
	return errors.Join(errs...)
}

// Own returns spec, the service's own stream, with these replicas and limits.
func (s StreamSettings) Own(spec StreamSpec) StreamSpec {
	spec.Replicas, spec.MaxAge, spec.MaxBytes = s.Replicas, s.MaxAge, s.MaxBytes
	return spec
}

// DeadLetters returns the dead-letter stream with these replicas and limits.
func (s StreamSettings) DeadLetters() StreamSpec {
	spec := DeadLetterStream
	spec.Replicas, spec.MaxAge, spec.MaxBytes = s.Replicas, s.DeadLetterMaxAge, s.DeadLetterMaxBytes
	return spec
}
