// Package apperr is the error vocabulary shared by domain, application and
// adapter code: kinds, typed and sentinel errors, field violations.
//
// It is pure Go on purpose: domain packages import it, and a domain must not
// depend on gRPC, protobuf or a database driver (a test in the root module
// checks that). Domain and application code create typed errors with the
// constructors here (Invalid, NotFound, FailedPrecondition, ...); package
// pkg/server/grpcerr, at the gRPC edge, turns them into statuses with
// errdetails attached and back.
//
// Sentinels work as usual:
//
//	var ErrOutOfStock = apperr.FailedPrecondition("not enough stock").WithReason("OUT_OF_STOCK")
//
//	if errors.Is(err, ErrOutOfStock) { ... }
//
// Two *Error values match under errors.Is when kind and reason are equal, so a
// sentinel still matches after WithMetadata or Wrap made a copy of it.
package apperr

import (
	"errors"
	"maps"
	"strconv"
	"strings"
	"time"
)

// Domain is the ErrorInfo domain of every error this project returns.
const Domain = "crossdock"

// Kind classifies an error by what the caller can do about it; each kind maps
// to exactly one gRPC code (see pkg/server/grpcerr) and HTTP status.
type Kind int

// The kinds. Internal is deliberately absent: it is what everything else
// becomes.
const (
	KindUnknown            Kind = iota // not an apperr error
	KindInvalid                        // InvalidArgument: the request is malformed
	KindNotFound                       // NotFound: the object does not exist (or is not yours)
	KindFailedPrecondition             // FailedPrecondition: the state forbids it now
	KindAlreadyExists                  // AlreadyExists: idempotency key reused with other parameters, duplicate
	KindAborted                        // Aborted: concurrent modification; retry the whole operation
	KindPermissionDenied               // PermissionDenied: authenticated, but not allowed
	KindUnauthenticated                // Unauthenticated: no or bad credentials
	KindResourceExhausted              // ResourceExhausted: rate limit or quota
	KindUnavailable                    // Unavailable: a dependency is down; retry later
)

var kindNames = map[Kind]string{
	KindUnknown:            "UNKNOWN",
	KindInvalid:            "INVALID_ARGUMENT",
	KindNotFound:           "NOT_FOUND",
	KindFailedPrecondition: "FAILED_PRECONDITION",
	KindAlreadyExists:      "ALREADY_EXISTS",
	KindAborted:            "ABORTED",
	KindPermissionDenied:   "PERMISSION_DENIED",
	KindUnauthenticated:    "UNAUTHENTICATED",
	KindResourceExhausted:  "RESOURCE_EXHAUSTED",
	KindUnavailable:        "UNAVAILABLE",
}

// String returns the kind's name in UPPER_SNAKE_CASE, which is also the
// default ErrorInfo reason for errors of that kind.
func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return "UNKNOWN"
}

// FieldViolation names one bad field of a request. Field is a path in the
// request message such as "items[2].quantity".
type FieldViolation struct {
	Field       string
	Description string
}

// Error is a domain error with everything the edge needs to answer a client.
// Message is shown to clients as the status message, so it must be safe to
// show; the wrapped cause is only for logs.
type Error struct {
	Kind       Kind
	Reason     string // stable UPPER_SNAKE_CASE identifier clients may switch on
	Message    string
	Violations []FieldViolation
	Metadata   map[string]string // extra ErrorInfo metadata; never secrets

	// Resource is set by NotFound and becomes errdetails.ResourceInfo at
	// the gRPC edge.
	ResourceType, ResourceName string

	// RetryDelay, when positive, is how long the client should wait before
	// trying again (a rate limit); it becomes errdetails.RetryInfo, which the
	// gateway turns into Retry-After.
	RetryDelay time.Duration

	cause error
}

// Error returns the message, followed by the cause when there is one, for logs.
func (e *Error) Error() string {
	if e.cause != nil {
		return e.Message + ": " + e.cause.Error()
	}
	return e.Message
}

// Unwrap returns the cause given to Wrap.
func (e *Error) Unwrap() error { return e.cause }

// Is matches another *Error of the same kind and reason.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.ReasonOrKind() == e.ReasonOrKind()
}

// WithReason returns a copy with a stable reason, e.g. "ORDER_ALREADY_PAID".
func (e *Error) WithReason(reason string) *Error {
	c := e.clone()
	c.Reason = reason
	return c
}

// WithMetadata returns a copy with one more ErrorInfo metadata entry.
func (e *Error) WithMetadata(key, value string) *Error {
	c := e.clone()
	c.Metadata = maps.Clone(c.Metadata)
	if c.Metadata == nil {
		c.Metadata = map[string]string{}
	}
	c.Metadata[key] = value
	return c
}

// WithViolations returns a copy naming the bad fields, for an error of
// another kind that is still about particular fields of the request (a taken
// e-mail address is AlreadyExists on "email").
func (e *Error) WithViolations(violations ...FieldViolation) *Error {
	c := e.clone()
	c.Violations = violations
	return c
}

// WithRetryDelay returns a copy telling the client to wait d before retrying.
func (e *Error) WithRetryDelay(d time.Duration) *Error {
	c := e.clone()
	c.RetryDelay = d
	return c
}

// Wrap returns a copy that records cause for logs and errors.Is/As, without
// changing what the client sees.
func (e *Error) Wrap(cause error) *Error {
	c := e.clone()
	c.cause = cause
	return c
}

func (e *Error) clone() *Error {
	c := *e
	return &c
}

// ReasonOrKind returns the stable reason clients switch on: Reason when set,
// else the kind's name, as sent in ErrorInfo.
func (e *Error) ReasonOrKind() string {
	if e.Reason != "" {
		return e.Reason
	}
	return e.Kind.String()
}

// Invalid reports a malformed request with one violation per bad field.
func Invalid(violations ...FieldViolation) *Error {
	parts := make([]string, 0, len(violations))
	for _, v := range violations {
		parts = append(parts, v.Field+": "+v.Description)
	}
	msg := "invalid request"
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, "; ")
	}
	return &Error{Kind: KindInvalid, Message: msg, Violations: violations}
}

// InvalidField is Invalid with a single violation.
func InvalidField(field, description string) *Error {
	return Invalid(FieldViolation{Field: field, Description: description})
}

// NotFound reports that the object of type what with the given id does not
// exist, or that the caller may not know it exists.
func NotFound(what, id string) *Error {
	return &Error{
		Kind:         KindNotFound,
		Message:      what + " " + strconv.Quote(id) + " not found",
		ResourceType: what,
		ResourceName: id,
	}
}

// FailedPrecondition reports that the object's current state forbids the
// operation (an order already paid, not enough stock).
func FailedPrecondition(message string) *Error {
	return &Error{Kind: KindFailedPrecondition, Message: message}
}

// AlreadyExists reports a duplicate: an idempotency key reused with other
// parameters, or a unique name taken.
func AlreadyExists(message string) *Error {
	return &Error{Kind: KindAlreadyExists, Message: message}
}

// Aborted reports an optimistic-lock clash; the client should retry the whole
// read-modify-write.
func Aborted(message string) *Error {
	return &Error{Kind: KindAborted, Message: message}
}

// PermissionDenied reports an authenticated caller acting beyond its rights.
func PermissionDenied(message string) *Error {
	return &Error{Kind: KindPermissionDenied, Message: message}
}

// Unauthenticated reports missing, expired or invalid credentials.
func Unauthenticated(message string) *Error {
	return &Error{Kind: KindUnauthenticated, Message: message}
}

// ResourceExhausted reports a rate limit or quota hit.
func ResourceExhausted(message string) *Error {
	return &Error{Kind: KindResourceExhausted, Message: message}
}

// Unavailable reports that a dependency cannot be reached right now and the
// same request may succeed later.
func Unavailable(message string) *Error {
	return &Error{Kind: KindUnavailable, Message: message}
}

// KindOf returns the kind of the first *Error in err's chain, or KindUnknown.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// Permanent reports an answer that repeating the same call cannot change:
// the request is wrong, its object gone or in a state that refuses it, or
// the caller not allowed. A worker retrying a step stops on one of these.
func Permanent(err error) bool {
	switch KindOf(err) {
	case KindInvalid, KindNotFound, KindFailedPrecondition, KindAlreadyExists, KindPermissionDenied:
		return true
	}
	return false
}

// RefusedForGood reports a peer service's refusal that asking again
// cannot change, for a worker that records such a refusal and stops
// asking: Permanent but for PermissionDenied, which between services
// means the caller's own identity lacks a role (a rollout gone wrong).
// That is mended by an operator, after which the same call goes through;
// recorded as a refusal, every row refused meanwhile would need redoing
// by hand.
func RefusedForGood(err error) bool {
	return Permanent(err) && KindOf(err) != KindPermissionDenied
}

// IsKind reports whether err's chain holds an *Error of kind k.
func IsKind(err error, k Kind) bool {
	return err != nil && KindOf(err) == k
}
