package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/auth"
)

// BenchmarkVerify measures access-token verification, which the gateway and
// every service run on each request: first, a token the verifier has not
// seen (signature, header and claims, with the keys already cached); then
// one it remembers (expiry, key and revocation checked again).
func BenchmarkVerify(b *testing.B) {
	key := mustKey(b)
	v := auth.NewVerifier(auth.StaticKeySource(key.JWK()))
	tok := mustSign(b, key, auth.Caller{
		Subject: "0190f5a8-7c1e-7d2a-9b3c-4e5f60718293", Kind: auth.KindUser,
		Roles: []string{auth.RoleSupplier}, OrganizationID: "0190f5a8-7c1e-7d2a-9b3c-000000000001", OrganizationRole: auth.OrgRoleOwner,
	}, auth.AccessTokenTTL, time.Now())
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	}
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			auth.ForgetVerified(v)
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("remembered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("remembered-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Error(err)
					return
				}
			}
		})
		report(b)
	})
}
