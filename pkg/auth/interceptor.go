package auth

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// AuthorizationHeader is the metadata key carrying "Bearer <token>".
const AuthorizationHeader = "authorization"

// ErrMissingToken is returned for a call to a non-public method without a
// bearer token.
var ErrMissingToken = apperr.Unauthenticated("missing bearer token").WithReason(ReasonTokenMissing)

// alwaysPublic are method prefixes no token is needed for: probes and
// tooling must work without credentials.
var alwaysPublic = []string{
	"/grpc.health.v1.Health/",
	"/grpc.reflection.v1.ServerReflection/",
	"/grpc.reflection.v1alpha.ServerReflection/",
}

// methodSet tells public methods from protected ones.
type methodSet map[string]struct{}

func newMethodSet(public []string) methodSet {
	s := make(methodSet, len(public))
	for _, m := range public {
		s[m] = struct{}{}
	}
	return s
}

func (s methodSet) public(fullMethod string) bool {
	if _, ok := s[fullMethod]; ok {
		return true
	}
	for _, p := range alwaysPublic {
		if strings.HasPrefix(fullMethod, p) {
			return true
		}
	}
	return false
}

// UnaryServerInterceptor authenticates every call except the public full
// method names given (e.g. "/crossdock.users.v1.UsersService/Login") and the
// health and reflection services. It reads "authorization: Bearer <jwt>",
// verifies it and stores the Caller in the context; a missing or invalid
// token is Unauthenticated. On a public method a valid token is still
// attached, so a handler can personalise its answer, and an invalid one is
// ignored.
func UnaryServerInterceptor(v *Verifier, public ...string) grpc.UnaryServerInterceptor {
	methods := newMethodSet(public)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := authenticate(ctx, v, methods.public(info.FullMethod))
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming methods.
func StreamServerInterceptor(v *Verifier, public ...string) grpc.StreamServerInterceptor {
	methods := newMethodSet(public)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := authenticate(ss.Context(), v, methods.public(info.FullMethod))
		if err != nil {
			return err
		}
		return handler(srv, &callerStream{ServerStream: ss, ctx: ctx})
	}
}

// authenticate verifies the call's bearer token and returns the context with
// the caller attached. On public methods failures are ignored.
func authenticate(ctx context.Context, v *Verifier, public bool) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	values := md.Get(AuthorizationHeader)
	if len(values) == 0 {
		if public {
			return ctx, nil
		}
		return ctx, ErrMissingToken
	}
	// Two authorization values are ambiguous (which one did the gateway
	// check?), so they are refused rather than guessed between.
	token, ok := "", len(values) == 1
	if ok {
		token, ok = bearerToken(values[0])
	}
	if !ok {
		if public {
			return ctx, nil
		}
		return ctx, ErrInvalidToken.Wrap(errMalformed)
	}
	caller, err := v.Verify(ctx, token)
	if err != nil {
		if public {
			return ctx, nil
		}
		return ctx, err
	}
	return WithCaller(ctx, caller), nil
}

// callerStream is a server stream whose context carries the caller.
type callerStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *callerStream) Context() context.Context { return s.ctx }
