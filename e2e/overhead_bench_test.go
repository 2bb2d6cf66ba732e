package e2e

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

// BenchmarkGatewayOverhead measures what the edge adds to a request: the same
// authenticated read (the caller's profile) through the gateway's REST route
// and directly over gRPC to the users service, on the running mesh. Each of
// the b.N operations makes one call of each, interleaved so both see the same
// conditions; it reports p50/p99 of each and the difference.
func BenchmarkGatewayOverhead(b *testing.B) {
	base, offset := apiMesh(b)
	c := newClient(b, base, "127.0.0.16")
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")

	conn, err := grpc.NewClient(addr(backends[0].grpc, offset), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	users := usersv1.NewUsersServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+buyer.Access)

	direct := func() error { _, err := users.GetMe(ctx, &usersv1.GetMeRequest{}); return err }
	req, _ := http.NewRequest("GET", base+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+buyer.Access)
	viaGateway := func() error {
		resp, err := c.http.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		return err
	}
	for range 50 { // warm up connections and caches
		if err := errors.Join(direct(), viaGateway()); err != nil {
			b.Fatal(err)
		}
	}
	var directLat, gatewayLat []time.Duration
	for b.Loop() {
		directLat = append(directLat, timed(b, direct))
		gatewayLat = append(gatewayLat, timed(b, viaGateway))
	}
	slices.Sort(directLat)
	slices.Sort(gatewayLat)
	b.ReportMetric(quantile(directLat, 0.50), "direct-p50-ms")
	b.ReportMetric(quantile(directLat, 0.99), "direct-p99-ms")
	b.ReportMetric(quantile(gatewayLat, 0.50), "gateway-p50-ms")
	b.ReportMetric(quantile(gatewayLat, 0.99), "gateway-p99-ms")
	b.ReportMetric(quantile(gatewayLat, 0.50)-quantile(directLat, 0.50), "overhead-p50-ms")
	b.ReportMetric(quantile(gatewayLat, 0.99)-quantile(directLat, 0.99), "overhead-p99-ms")
}

// timed runs call once and returns how long it took.
func timed(b *testing.B, call func() error) time.Duration {
	start := time.Now()
	if err := call(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func quantile(sorted []time.Duration, q float64) float64 {
	return float64(sorted[int(q*float64(len(sorted)-1))]) / 1e6
}
