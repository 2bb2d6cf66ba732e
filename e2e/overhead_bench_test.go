package e2e

import (
	"context"
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
// and directly over gRPC to the users service, on the running mesh. It
// reports p50/p99 of each and the difference.
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

	const n = 2000
	direct := measure(b, n, func() error { _, err := users.GetMe(ctx, &usersv1.GetMeRequest{}); return err })
	req, _ := http.NewRequest("GET", base+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+buyer.Access)
	viaGateway := measure(b, n, func() error {
		resp, err := c.http.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		return err
	})
	b.ReportMetric(quantile(direct, 0.50), "direct-p50-ms")
	b.ReportMetric(quantile(direct, 0.99), "direct-p99-ms")
	b.ReportMetric(quantile(viaGateway, 0.50), "gateway-p50-ms")
	b.ReportMetric(quantile(viaGateway, 0.99), "gateway-p99-ms")
	b.ReportMetric(quantile(viaGateway, 0.50)-quantile(direct, 0.50), "overhead-p50-ms")
	b.ReportMetric(quantile(viaGateway, 0.99)-quantile(direct, 0.99), "overhead-p99-ms")
}

// measure runs call n times after a warm-up and returns sorted latencies.
func measure(b *testing.B, n int, call func() error) []time.Duration {
	for range 50 {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := call(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	return lat
}

func quantile(sorted []time.Duration, q float64) float64 {
	return float64(sorted[int(q*float64(len(sorted)-1))]) / 1e6
}
