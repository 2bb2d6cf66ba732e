package grpcerr

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// InternalMessage is the only text a client sees for an unexpected error.
const InternalMessage = "internal error"

var kindCodes = map[apperr.Kind]codes.Code{
	apperr.KindInvalid:            codes.InvalidArgument,
	apperr.KindNotFound:           codes.NotFound,
	apperr.KindFailedPrecondition: codes.FailedPrecondition,
	apperr.KindAlreadyExists:      codes.AlreadyExists,
	apperr.KindAborted:            codes.Aborted,
	apperr.KindPermissionDenied:   codes.PermissionDenied,
	apperr.KindUnauthenticated:    codes.Unauthenticated,
	apperr.KindResourceExhausted:  codes.ResourceExhausted,
	apperr.KindUnavailable:        codes.Unavailable,
}

// Code returns the gRPC code a kind maps to; KindUnknown maps to Internal.
func Code(k apperr.Kind) codes.Code {
	if c, ok := kindCodes[k]; ok {
		return c
	}
	return codes.Internal
}

// ToStatus converts err into the status a client receives:
//
//   - an *apperr.Error anywhere in the chain: its kind's code, its Message,
//     and ErrorInfo (reason, domain "crossdock", metadata), BadRequest for
//     field violations and ResourceInfo for NotFound;
//   - an error carrying a gRPC status (from a peer or a handler that built
//     one): that status unchanged;
//   - context.Canceled and context.DeadlineExceeded: Canceled and
//     DeadlineExceeded;
//   - anything else: Internal "internal error".
//
// A nil err gives a nil status (which reads as OK).
func ToStatus(err error) *status.Status {
	st, _ := toStatus(err)
	return st
}

// Error is ToStatus(err).Err(): the error a handler or an interceptor
// returns to grpc-go, nil for nil.
func Error(err error) error {
	return ToStatus(err).Err()
}

// toStatus also reports whether err was understood; unexpected errors are the
// ones worth logging.
func toStatus(err error) (*status.Status, bool) {
	if err == nil {
		return nil, true
	}
	var e *apperr.Error
	var grpcErr interface{ GRPCStatus() *status.Status }
	if errors.As(err, &e) {
		if e.Kind != apperr.KindUnknown {
			return fromAppErr(e), true
		}
		// An *Error without a kind is a programming slip; treat it like any
		// unexpected error rather than trusting its message.
	} else if errors.As(err, &grpcErr) {
		if st := grpcErr.GRPCStatus(); st != nil {
			return st, true
		}
	}
	if unstorableText(err) {
		// A text check missed a character the database refuses (a NUL):
		// the client's input, not our failure; logged all the same, so
		// the check gets written.
		return fromAppErr(ErrUnstorableText), false
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, context.Canceled.Error()), true
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, context.DeadlineExceeded.Error()), true
	}
	return status.New(codes.Internal, InternalMessage), false
}

// ErrUnstorableText answers a request whose text PostgreSQL refused to
// store: a NUL (SQLSTATE 22021, character_not_in_repertoire; 22P05 in a
// JSON value).
var ErrUnstorableText = (&apperr.Error{Kind: apperr.KindInvalid,
	Message: "invalid request: a text holds a character that cannot be stored, such as NUL"}).WithReason("UNSTORABLE_TEXT")

func unstorableText(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05")
}

func fromAppErr(e *apperr.Error) *status.Status {
	st := status.New(Code(e.Kind), e.Message)
	details := []protoadapt.MessageV1{
		&errdetails.ErrorInfo{Reason: e.ReasonOrKind(), Domain: apperr.Domain, Metadata: e.Metadata},
	}
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field:       v.Field,
				Description: v.Description,
			})
		}
		details = append(details, br)
	}
	if e.ResourceType != "" || e.ResourceName != "" {
		details = append(details, &errdetails.ResourceInfo{ResourceType: e.ResourceType, ResourceName: e.ResourceName})
	}
	if e.RetryDelay > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(e.RetryDelay)})
	}
	if withDetails, err := st.WithDetails(details...); err == nil {
		return withDetails
	}
	return st
}

// FromStatus turns a status received from a peer back into an
// *apperr.Error, so client code can use errors.Is and apperr.KindOf across
// service boundaries. Codes without a kind (Internal, Unknown, Canceled,
// DeadlineExceeded, ...) come back as the plain status error. A nil or OK
// status gives nil.
func FromStatus(st *status.Status) error {
	if st == nil || st.Code() == codes.OK {
		return nil
	}
	kind := apperr.KindUnknown
	for k, c := range kindCodes {
		if c == st.Code() {
			kind = k
			break
		}
	}
	if kind == apperr.KindUnknown {
		return st.Err()
	}
	e := &apperr.Error{Kind: kind, Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			if d.GetDomain() == apperr.Domain {
				if d.GetReason() != kind.String() {
					e.Reason = d.GetReason()
				}
				if len(d.GetMetadata()) > 0 {
					e.Metadata = d.GetMetadata()
				}
			}
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				e.Violations = append(e.Violations, apperr.FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		case *errdetails.ResourceInfo:
			e.ResourceType, e.ResourceName = d.GetResourceType(), d.GetResourceName()
		}
	}
	return e
}

// FromError is FromStatus for an error returned by a gRPC client call; errors
// that carry no status are returned unchanged.
func FromError(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	return FromStatus(st)
}

// FromPeer is FromError for a service calling another on its own account
// (its service token). The peer refusing those credentials is this
// service's fault, and for now (a token expired, signing keys rotating),
// not its caller's: passed on as Unauthenticated, a buyer's app would read
// it as its own session refused and sign the buyer out, and a job would
// take it for a final answer. It comes back Unavailable, the peer's error
// kept as the cause for the logs.
func FromPeer(err error) error {
	err = FromError(err)
	if apperr.KindOf(err) == apperr.KindUnauthenticated {
		return apperr.Unavailable("another service refused this service's credentials").Wrap(err)
	}
	return err
}
