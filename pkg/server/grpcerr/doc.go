// Package grpcerr is where the error vocabulary of package apperr meets gRPC:
// it turns an *apperr.Error into a status with errdetails attached (ErrorInfo
// with a stable reason in the "crossdock" domain, BadRequest field
// violations, ResourceInfo for missing objects), turns a peer's status back
// into an *apperr.Error, and provides the server interceptors that apply the
// mapping to every handler.
//
// It lives beside the server rather than in apperr so that domain packages,
// which speak only apperr, depend on no gRPC or protobuf code at all: apperr
// is pure Go and imported everywhere, this package is imported only by the
// edges (the server bootstrap, gRPC clients of peers, the gateway, tests).
// It sits under pkg/server because the server bootstrap is what installs its
// interceptors; it is a package of its own so that gRPC clients can convert
// peers' statuses without pulling in the server.
//
// Anything that is not an apperr error, a context error, or an existing gRPC
// status is a bug or an infrastructure failure: it is logged and the client
// sees only Internal "internal error", so database messages and stack
// details never leak.
package grpcerr
