// Package peers holds the gRPC clients of the services the estimator asks:
// the catalog for SKUs and finance for exchange rates. Each is a thin adapter
// from the peer's contract to the app's ports; a peer that cannot be reached
// becomes Unavailable, and any other peer failure an internal error, so a
// peer's refusal (its PermissionDenied, say) is never passed off as the
// caller's own.
package peers

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// peerError classifies an error from a peer call.
func peerError(peer string, err error, unavailable *apperr.Error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		return unavailable.Wrap(err)
	case codes.Canceled:
		return err
	}
	return fmt.Errorf("%s: %w", peer, plain{err})
}

// plain hides a peer's gRPC status from the kit's error mapping (which would
// pass it through unchanged) while keeping its text for logs.
type plain struct{ err error }

func (p plain) Error() string { return p.err.Error() }
