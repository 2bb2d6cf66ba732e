package upstream

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// named pairs each connection with its service name.
func (c *Conns) named() map[string]*grpc.ClientConn {
	return map[string]*grpc.ClientConn{
		"users": c.Users, "catalog": c.Catalog, "inventory": c.Inventory, "orders": c.Orders,
		"logistics": c.Logistics, "finance": c.Finance, "freight-estimator": c.FreightEstimator,
		"platform-docking": c.PlatformDocking,
	}
}

// Health asks every service's gRPC health service, in parallel, and returns each
// one's status (SERVING, NOT_SERVING, or UNREACHABLE when it did not answer).
func (c *Conns) Health(ctx context.Context) map[string]string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]string{}
	for name, conn := range c.named() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			state := "UNREACHABLE"
			if resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err == nil {
				state = resp.GetStatus().String()
			}
			mu.Lock()
			out[name] = state
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// HealthHandler serves Health as JSON: an operator's view of what the gateway
// can reach. It is not the gateway's readiness: one service down must not take
// the whole edge out of rotation.
func (c *Conns) HealthHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(c.Health(r.Context()))
	})
}
