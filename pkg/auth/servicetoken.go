package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

// TokenSource gives a service an access token for its own service account.
// It exchanges the account's client id and secret through
// users.IssueServiceToken and reuses the token until shortly before it
// expires. It is safe for concurrent use; concurrent callers share one
// exchange.
type TokenSource struct {
	client   usersv1.UsersServiceClient
	clientID string
	secret   string
	now      func() time.Time

	// exchanging is a one-slot semaphore held while a token is fetched, so
	// waiting for it respects each caller's context.
	exchanging chan struct{}
	token      string    // guarded by exchanging
	refreshAt  time.Time // guarded by exchanging
	expiresAt  time.Time // guarded by exchanging
}

// TokenSourceOption changes a TokenSource's defaults.
type TokenSourceOption func(*TokenSource)

// WithTokenClock sets the clock that decides when the cached token is due
// for renewal.
func WithTokenClock(now func() time.Time) TokenSourceOption {
	return func(s *TokenSource) { s.now = now }
}

// NewServiceTokenSource returns a source for the service account clientID,
// whose secret usually comes from the environment.
func NewServiceTokenSource(client usersv1.UsersServiceClient, clientID, secret string, opts ...TokenSourceOption) *TokenSource {
	s := &TokenSource{
		client: client, clientID: clientID, secret: secret,
		now:        time.Now,
		exchanging: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// renewalMargin is how long before expiry a token is replaced: a fifth of its
// lifetime, at most a minute, so a token is never sent so close to its end
// that it expires in flight.
func renewalMargin(ttl time.Duration) time.Duration {
	return min(ttl/5, time.Minute)
}

// Token returns a valid access token, exchanging the credentials when the
// cached one is missing or due for renewal. If a renewal fails while the
// cached token is still valid, that token is returned.
func (s *TokenSource) Token(ctx context.Context) (string, error) {
	select {
	case s.exchanging <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.exchanging }()

	now := s.now()
	if s.token != "" && now.Before(s.refreshAt) {
		return s.token, nil
	}
	// The exchange may travel over a connection that carries this source's
	// own PerRPCCredentials; the mark keeps it from asking for a token
	// while one is being fetched, which would wait on itself.
	resp, err := s.client.IssueServiceToken(context.WithValue(ctx, exchangeKey{}, s), &usersv1.IssueServiceTokenRequest{
		ClientId: s.clientID, ClientSecret: s.secret,
	})
	if err == nil && (resp.GetAccessToken() == "" || resp.GetExpiresIn() <= 0) {
		err = errors.New("empty token")
	}
	if err != nil {
		// Renewal starts early; until the current token ends, a failed
		// renewal need not fail the call.
		if s.token != "" && now.Before(s.expiresAt) {
			return s.token, nil
		}
		return "", fmt.Errorf("auth: service token for %q: %w", s.clientID, err)
	}
	ttl := time.Duration(resp.GetExpiresIn()) * time.Second
	s.token = resp.GetAccessToken()
	s.refreshAt, s.expiresAt = now.Add(ttl-renewalMargin(ttl)), now.Add(ttl)
	return s.token, nil
}

// PerRPCCredentials attaches the service token to every call made on a
// connection (grpc.WithPerRPCCredentials). It does not require transport
// security: the mesh secures transport. A call that already carries an
// authorization value (a user's token forwarded by ForwardAuthorization)
// keeps it and gets no service token.
func (s *TokenSource) PerRPCCredentials() credentials.PerRPCCredentials {
	return perRPC{s}
}

type perRPC struct{ s *TokenSource }

// exchangeKey marks the context of a token exchange in progress.
type exchangeKey struct{}

func (p perRPC) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(AuthorizationHeader)) > 0 {
		return nil, nil
	}
	if ctx.Value(exchangeKey{}) != nil {
		return nil, nil
	}
	tok, err := p.s.Token(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{AuthorizationHeader: "Bearer " + tok}, nil
}

func (perRPC) RequireTransportSecurity() bool { return false }

// ForwardAuthorization is a client interceptor that copies the incoming
// request's authorization metadata to outgoing calls made with the same
// context, so a service calling another on a user's behalf acts as that
// user (and the callee checks that user's rights, not the caller's).
func ForwardAuthorization() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(forwardAuthorization(ctx), method, req, reply, cc, opts...)
	}
}

// ForwardAuthorizationStream is ForwardAuthorization for streaming calls.
func ForwardAuthorizationStream() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(forwardAuthorization(ctx), desc, cc, method, opts...)
	}
}

func forwardAuthorization(ctx context.Context) context.Context {
	in, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return ctx
	}
	values := in.Get(AuthorizationHeader)
	if len(values) != 1 {
		return ctx
	}
	if out, ok := metadata.FromOutgoingContext(ctx); ok && len(out.Get(AuthorizationHeader)) > 0 {
		return ctx // set explicitly by the caller: theirs wins
	}
	return metadata.AppendToOutgoingContext(ctx, AuthorizationHeader, values[0])
}
