// Package auth is how Crossdock knows who is calling: access tokens issued by
// the users service and verified by every service, service-account tokens for
// work a service does on its own behalf, and Ed25519-signed requests for
// partner platforms and supplier ERPs.
//
// Access tokens are JWTs signed with Ed25519 (JWS alg "EdDSA") and carry the
// key id in the header; the users service publishes the public keys as a JWKS
// through GetJwks. A Verifier fetches those keys lazily, caches them, and
// refetches (rate limited) when it meets an unknown key id, so a rotation needs
// no restart anywhere. Parsing, signing and the registered claims are
// github.com/golang-jwt/jwt/v5's, pinned to one algorithm (EdDSA), the issuer,
// the audience and a required expiry, so no token can choose how it is checked
// ("none", HS256 with the public key as secret, and other algorithm-confusion
// tricks fail before any key is looked up).
//
// A service installs the interceptors on its gRPC server:
//
//	v := auth.NewVerifier(auth.UsersKeySource(users))
//	spec.ServerOptions = []grpc.ServerOption{
//		grpc.ChainUnaryInterceptor(auth.UnaryServerInterceptor(v, publicMethods...)),
//		grpc.ChainStreamInterceptor(auth.StreamServerInterceptor(v, publicMethods...)),
//	}
//
// and handlers read the principal with RequireCaller. Calls a service makes on
// a user's behalf forward the user's token (ForwardAuthorization); calls on its
// own behalf carry a service token (TokenSource.PerRPCCredentials).
//
// Signed requests authenticate machine clients whose private key never
// travels nor is stored by Crossdock: the client signs StringToSign (method,
// timestamp, nonce, body hash) with its Ed25519 key (SignRequest,
// SignedUnaryClientInterceptor; ParseRequestPrivateKey reads PKCS#8 PEM or a
// base64 seed), the users service and every verifier's key cache hold only
// public keys, and a RequestVerifier checks the signature, a ±5 minute
// timestamp window and a nonce remembered for twice the window (in PostgreSQL
// when several replicas verify, see NonceMigrations). The verified client is
// a Caller of KindAPIClient with RolePartner or RoleERP (and, for an ERP, its
// supplier organization); SignedOrBearerUnaryServerInterceptor lets one server
// take both signed calls and access tokens.
package auth
