package auth

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// Metadata keys of a signed gRPC request.
const (
	ClientIDHeader  = "x-crossdock-client-id"
	TimestampHeader = "x-crossdock-timestamp"
	NonceHeader     = "x-crossdock-nonce"
	SignatureHeader = "x-crossdock-signature"
)

// deterministic marshals the request body the same way on both sides (map
// entries sorted). Both must also agree on the message's fields: a field one
// side does not know is re-encoded after the known ones and breaks the
// signature, so partners upgrade their contracts before using new fields.
var deterministic = proto.MarshalOptions{Deterministic: true}

// SignedUnaryServerInterceptor authenticates every call by its request
// signature: the metadata above, the full gRPC method name, and the
// deterministic protobuf encoding of the request as body. On success the
// context carries the client as a Caller of KindAPIClient, with its role
// (partner or ERP) and, for an ERP, its supplier organization. The health and
// reflection services, and the public full method names given, need no
// signature, so probes keep working.
func SignedUnaryServerInterceptor(v *RequestVerifier, public ...string) grpc.UnaryServerInterceptor {
	methods := newMethodSet(public)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if methods.public(info.FullMethod) {
			return handler(ctx, req)
		}
		md, _ := metadata.FromIncomingContext(ctx)
		clientID, ok1 := single(md, ClientIDHeader)
		ts, ok2 := single(md, TimestampHeader)
		nonce, ok3 := single(md, NonceHeader)
		sig, ok4 := single(md, SignatureHeader)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, ErrBadSignature
		}
		msg, ok := req.(proto.Message)
		if !ok {
			return nil, ErrBadSignature
		}
		body, err := deterministic.Marshal(msg)
		if err != nil {
			return nil, ErrBadSignature
		}
		caller, err := v.Verify(ctx, clientID, info.FullMethod, ts, nonce, sig, body)
		if err != nil {
			return nil, err
		}
		return handler(WithCaller(ctx, caller), req)
	}
}

// SignedOrBearerUnaryServerInterceptor serves both kinds of client on one
// server: a call that names a signing client (ClientIDHeader) goes through
// signed, every other call through bearer. A call cannot pick the weaker
// check: each path refuses what it does not verify.
func SignedOrBearerUnaryServerInterceptor(signed, bearer grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		if len(md.Get(ClientIDHeader)) > 0 {
			return signed(ctx, req, info, handler)
		}
		return bearer(ctx, req, info, handler)
	}
}

// single returns the one value of key; none or several is a malformed
// request.
func single(md metadata.MD, key string) (string, bool) {
	v := md.Get(key)
	if len(v) != 1 {
		return "", false
	}
	return v[0], true
}

// SignedUnaryClientInterceptor signs every call made through a connection
// with the client's Ed25519 private key (see ParseRequestPrivateKey): it is
// the client side of SignedUnaryServerInterceptor, for partner and ERP SDKs
// and tests.
func SignedUnaryClientInterceptor(clientID string, key ed25519.PrivateKey) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		msg, ok := req.(proto.Message)
		if !ok {
			return fmt.Errorf("auth: cannot sign a request of type %T", req)
		}
		body, err := deterministic.Marshal(msg)
		if err != nil {
			return fmt.Errorf("auth: encode request for signing: %w", err)
		}
		now, nonce := time.Now(), NewNonce()
		ctx = metadata.AppendToOutgoingContext(ctx,
			ClientIDHeader, clientID,
			TimestampHeader, strconv.FormatInt(now.Unix(), 10),
			NonceHeader, nonce,
			SignatureHeader, SignRequest(key, method, now, nonce, body),
		)
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
