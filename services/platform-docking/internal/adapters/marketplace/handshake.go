// Package marketplace is platform-docking's connector to partners that speak
// the standard protocol (crossdock.partner.v1.MarketplaceService over gRPC).
// Every call is signed with docking's own Ed25519 key in pkg/auth's scheme,
// so the partner can tell it is us, over TLS unless the installation allows
// plaintext (partnertls). The Handshaker verifies a partner; the
// Connector docks onto one: listings, orders, shipments and settlements.
package marketplace

import (
	"context"
	"crypto/ed25519"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Signer is who docking is to partners: the client id it signs as and its
// private key. Partners are given the id and the public key.
type Signer struct {
	ClientID string
	Key      ed25519.PrivateKey
}

// Handshaker runs the handshake with standard-protocol partners.
type Handshaker struct {
	signer    Signer
	timeout   time.Duration
	transport partnertls.Transport
}

var _ app.Handshaker = (*Handshaker)(nil)

// NewHandshaker returns a handshaker signing as signer over transport, each
// handshake bounded by timeout.
func NewHandshaker(signer Signer, timeout time.Duration, transport partnertls.Transport) *Handshaker {
	return &Handshaker{signer: signer, timeout: timeout, transport: transport}
}

// Handshake dials the partner's endpoint, sends the challenge in a signed
// call and returns the proof. The connection lives for the one call: a
// handshake is rare, and a partner's endpoint may have just changed.
func (h *Handshaker) Handshake(ctx context.Context, p domain.Partner, challenge []byte) ([]byte, error) {
	conn, err := dial(p.Endpoint, h.signer, h.transport)
	if err != nil {
		return nil, app.HandshakeFailed("its endpoint "+p.Endpoint+" is not a gRPC target", err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	resp, err := partnerv1.NewMarketplaceServiceClient(conn).Handshake(ctx,
		&partnerv1.HandshakeRequest{Challenge: challenge, PartnerCode: p.Code, ApiClientId: p.APIClientID})
	if err != nil {
		return nil, callError(p, err)
	}
	return resp.GetProof(), nil
}

// callError tells an endpoint that cannot be reached (worth retrying) from
// a partner that answered and refused (it must be fixed first). The
// partner's own message is not passed on: it is text from outside.
func callError(p domain.Partner, err error) error {
	if unreachable := unreachableError(p, err); unreachable != nil {
		return unreachable
	}
	return app.HandshakeFailed("the partner refused the call ("+status.Code(err).String()+")", err)
}

// dial opens a client connection to a partner's endpoint whose calls are
// signed as signer, over TLS verified for the endpoint's host unless the
// transport allows plaintext. It does not connect yet: grpc connects on the
// first call, and a certificate that does not verify fails that call as
// unreachable (the partner may be renewing it; the jobs retry).
func dial(endpoint string, signer Signer, transport partnertls.Transport) (*grpc.ClientConn, error) {
	return grpc.NewClient(endpoint,
		grpc.WithTransportCredentials(transport.GRPCCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor(signer.ClientID, signer.Key)))
}

// unreachableError is the error of a call that did not reach the partner
// or timed out, worth retrying; nil for a partner that answered.
func unreachableError(p domain.Partner, err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return apperr.Unavailable("the partner's endpoint " + p.Endpoint + " cannot be reached").
			WithReason("PARTNER_UNREACHABLE").Wrap(err)
	}
	return nil
}
