package peers_test

import (
	"context"
	"net"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/peers"
)

// stockServer answers GetAvailability like the inventory service does.
type stockServer struct {
	inventoryv1.UnimplementedInventoryServiceServer
	levels map[string]int64
}

func (s stockServer) GetAvailability(_ context.Context, req *inventoryv1.GetAvailabilityRequest) (*inventoryv1.GetAvailabilityResponse, error) {
	resp := &inventoryv1.GetAvailabilityResponse{}
	for _, id := range req.GetSkuIds() {
		if n, ok := s.levels[id]; ok {
			resp.Availability = append(resp.Availability, &inventoryv1.Availability{SkuId: id, Available: n})
		}
	}
	return resp, nil
}

func TestInventoryClient(t *testing.T) {
	known, unknown := uuid.New(), uuid.New()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	inventoryv1.RegisterInventoryServiceServer(srv, stockServer{levels: map[string]int64{known.String(): 12}})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	inv := peers.NewInventory(lis.Addr().String(), nil)
	t.Cleanup(func() { inv.Close() })
	got, err := inv.Available(context.Background(), []uuid.UUID{known, unknown})
	if err != nil || got[known] != 12 || len(got) != 1 {
		t.Fatalf("Available = %v, %v", got, err)
	}

	// Nobody listening: an error for the caller to degrade on, quickly.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := dead.Addr().String()
	dead.Close()
	down := peers.NewInventory(addr, nil)
	t.Cleanup(func() { down.Close() })
	if _, err := down.Available(context.Background(), []uuid.UUID{known}); err == nil {
		t.Error("no error from an unreachable inventory")
	}
}
