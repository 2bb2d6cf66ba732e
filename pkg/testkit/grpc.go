package testkit

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/server"
)

// ServeAPI serves a service's gRPC API on a loopback port the way the
// runtime does: the server package's interceptors, then token
// authentication against keys, with the public methods open. register adds
// the service. It returns a connection; both stop when the test ends.
func ServeAPI(t testing.TB, name string, keys auth.KeySource, public []string, register func(grpc.ServiceRegistrar)) *grpc.ClientConn {
	t.Helper()
	return ServeAPIVerified(t, name, auth.NewVerifier(keys), public, register)
}

// ServeAPIVerified is ServeAPI with a verifier of the test's own, e.g. one
// that refuses revoked sessions.
func ServeAPIVerified(t testing.TB, name string, v *auth.Verifier, public []string, register func(grpc.ServiceRegistrar)) *grpc.ClientConn {
	t.Helper()
	srv := server.New(name, server.Config{GRPCAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0"}, nil, nil,
		grpc.ChainUnaryInterceptor(auth.UnaryServerInterceptor(v, public...)),
		grpc.ChainStreamInterceptor(auth.StreamServerInterceptor(v, public...)))
	register(srv.GRPC())
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// SigningKey returns a fresh token-signing key and the key source that
// accepts its tokens, for ServeAPI.
func SigningKey(t testing.TB) (auth.SigningKey, auth.KeySource) {
	t.Helper()
	key, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	return key, auth.StaticKeySource(key.JWK())
}

// As returns a context whose calls carry an access token for c, signed with
// key and valid for a minute.
func As(t testing.TB, key auth.SigningKey, c auth.Caller) context.Context {
	t.Helper()
	tok, err := auth.Sign(key, c, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return Bearer(tok)
}

// Bearer returns a context whose calls carry the access token.
func Bearer(token string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}
