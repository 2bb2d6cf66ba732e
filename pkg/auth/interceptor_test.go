package auth_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
)

// protectedUsers serves peer behind the authentication interceptors,
// verifying tokens with the peer's own key.
func protectedUsers(t *testing.T, peer *usersPeer) usersv1.UsersServiceClient {
	t.Helper()
	v := auth.NewVerifier(auth.StaticKeySource(peer.key.JWK()))
	addr := serve(t, peer,
		grpc.ChainUnaryInterceptor(auth.UnaryServerInterceptor(v, publicUsersMethods...)),
		grpc.ChainStreamInterceptor(auth.StreamServerInterceptor(v, publicUsersMethods...)),
	)
	return usersClient(dial(t, addr))
}

func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

func TestUnaryServerInterceptor(t *testing.T) {
	peer := newUsersPeer(t)
	client := protectedUsers(t, peer)
	other := mustKey(t)
	caller := auth.Caller{Subject: "u-1", Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: "org-1", OrganizationRole: auth.OrgRoleStaff}
	valid := mustSign(t, peer.key, caller, time.Minute, time.Now())
	expired := mustSign(t, peer.key, caller, time.Minute, time.Now().Add(-time.Hour))
	forged := mustSign(t, other, caller, time.Minute, time.Now())

	tests := []struct {
		name string
		md   []string // outgoing metadata pairs
		code codes.Code
	}{
		{"valid token", []string{"authorization", "Bearer " + valid}, codes.OK},
		{"lower-case scheme", []string{"authorization", "bearer " + valid}, codes.OK},
		{"no token", nil, codes.Unauthenticated},
		{"expired token", []string{"authorization", "Bearer " + expired}, codes.Unauthenticated},
		{"foreign key", []string{"authorization", "Bearer " + forged}, codes.Unauthenticated},
		{"basic scheme", []string{"authorization", "Basic dTpw"}, codes.Unauthenticated},
		{"bare token", []string{"authorization", valid}, codes.Unauthenticated},
		{"two tokens", []string{"authorization", "Bearer " + valid, "authorization", "Bearer " + valid}, codes.Unauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := metadata.AppendToOutgoingContext(context.Background(), tt.md...)
			resp, err := client.GetMe(ctx, &usersv1.GetMeRequest{})
			if codeOf(err) != tt.code {
				t.Fatalf("GetMe: %v, want %v", err, tt.code)
			}
			if tt.code != codes.OK {
				return
			}
			u := resp.GetUser()
			if u.GetUserId() != "u-1" || u.GetOrganizationId() != "org-1" || u.GetOrganizationRole() != "staff" || len(u.GetRoles()) != 1 {
				t.Fatalf("handler saw caller %v", u)
			}
		})
	}

	t.Run("public method", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			ctx  context.Context
			saw  string
		}{
			{"without token", context.Background(), ""},
			{"with a valid token", bearer(context.Background(), valid), "u-1"},
			{"with an invalid token", bearer(context.Background(), forged), ""},
		} {
			if _, err := client.Login(tc.ctx, &usersv1.LoginRequest{}); err != nil {
				t.Fatalf("%s: Login: %v", tc.name, err)
			}
			if got := peer.loginSaw.Load().Subject; got != tc.saw {
				t.Fatalf("%s: handler saw caller %q, want %q", tc.name, got, tc.saw)
			}
		}
	})

	t.Run("health is always public", func(t *testing.T) {
		conn := dial(t, serve(t, newUsersPeer(t), grpc.ChainUnaryInterceptor(auth.UnaryServerInterceptor(auth.NewVerifier(auth.StaticKeySource())))))
		resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health: %v, %v", resp, err)
		}
	})
}

// serverStream is the least of a grpc.ServerStream the interceptor touches.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s serverStream) Context() context.Context { return s.ctx }

func TestStreamServerInterceptor(t *testing.T) {
	key := mustKey(t)
	icpt := auth.StreamServerInterceptor(auth.NewVerifier(auth.StaticKeySource(key.JWK())), "/crossdock.test.v1.Feed/Public")
	valid := mustSign(t, key, auth.Caller{Subject: "u-9", Kind: auth.KindUser}, time.Minute, time.Now())
	incoming := func(md ...string) context.Context {
		return metadata.NewIncomingContext(context.Background(), metadata.Pairs(md...))
	}
	tests := []struct {
		name    string
		method  string
		ctx     context.Context
		code    codes.Code
		subject string
	}{
		{"private with token", "/crossdock.test.v1.Feed/Private", incoming("authorization", "Bearer "+valid), codes.OK, "u-9"},
		{"private without token", "/crossdock.test.v1.Feed/Private", incoming(), codes.Unauthenticated, ""},
		{"public without token", "/crossdock.test.v1.Feed/Public", incoming(), codes.OK, ""},
		{"health watch", "/grpc.health.v1.Health/Watch", context.Background(), codes.OK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var saw string
			err := icpt(nil, serverStream{ctx: tt.ctx}, &grpc.StreamServerInfo{FullMethod: tt.method}, func(_ any, ss grpc.ServerStream) error {
				c, _ := auth.CallerFrom(ss.Context())
				saw = c.Subject
				return nil
			})
			if codeOf(err) != tt.code || saw != tt.subject {
				t.Fatalf("err %v, subject %q; want %v, %q", err, saw, tt.code, tt.subject)
			}
		})
	}
}

func TestRequireCaller(t *testing.T) {
	if _, err := auth.RequireCaller(context.Background()); codeOf(err) != codes.Unauthenticated {
		t.Fatalf("no caller: %v", err)
	}
	ctx := auth.WithCaller(context.Background(), auth.Caller{Subject: "u", Roles: []string{auth.RoleAdmin}})
	c, err := auth.RequireCaller(ctx)
	if err != nil || !c.HasRole(auth.RoleAdmin) || c.HasRole(auth.RoleBuyer) ||
		!c.HasAnyRole(auth.RoleReviewer, auth.RoleAdmin) || c.HasAnyRole(auth.RoleReviewer) {
		t.Fatalf("caller %+v, %v", c, err)
	}
}
