package partnersim_test

import (
	"context"
	"crypto/ed25519"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// partnerClientID is the simulator's own Crossdock API client.
const partnerClientID = "pc-dh"

// notification is one NotifyOrderChanged call as Crossdock received it.
type notification struct {
	OrderID   string
	UpdatedAt time.Time
}

// crossdock plays docking's PartnerService: it takes only calls signed by
// the partner's API client (pkg/auth, as docking does) and records the
// notifications. gate, when set, holds every call until it is closed.
type crossdock struct {
	partnerv1.UnimplementedPartnerServiceServer
	mu   sync.Mutex
	got  []notification
	gate chan struct{}
}

func (c *crossdock) NotifyOrderChanged(ctx context.Context, req *partnerv1.NotifyOrderChangedRequest) (*partnerv1.NotifyOrderChangedResponse, error) {
	caller, err := auth.RequireCaller(ctx)
	if err != nil || caller.Subject != partnerClientID {
		return nil, grpcerr.Error(apperr.Unauthenticated("not the partner"))
	}
	if c.gate != nil {
		<-c.gate
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, notification{OrderID: req.GetOrderId(), UpdatedAt: req.GetUpdatedAt().AsTime()})
	return &partnerv1.NotifyOrderChangedResponse{Scheduled: true}, nil
}

// received waits until n notifications arrived (and a moment more, for
// any extra one) and returns them.
func (c *crossdock) received(t *testing.T, n int) []notification {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.got)
		c.mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]notification(nil), c.got...)
}

// serveCrossdock serves c on loopback, checking signatures against the
// partner's public key, and returns its address.
func serveCrossdock(t *testing.T, c *crossdock, partner ed25519.PublicKey) string {
	t.Helper()
	keys := func(_ context.Context, clientID string) (auth.APIClient, error) {
		if clientID != partnerClientID {
			return auth.APIClient{}, apperr.NotFound("client", clientID)
		}
		return auth.APIClient{Keys: []ed25519.PublicKey{partner}, Roles: []string{auth.RolePartner}}, nil
	}
	g := grpc.NewServer(grpc.ChainUnaryInterceptor(auth.SignedUnaryServerInterceptor(
		&auth.RequestVerifier{Keys: keys, Nonces: auth.NewMemoryNonceStore()})))
	partnerv1.RegisterPartnerServiceServer(g, c)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = g.Serve(l) }()
	t.Cleanup(g.Stop)
	return l.Addr().String()
}

// withWebhooks starts a simulator of m that notifies c.
func withWebhooks(t *testing.T, m *partnersim.Market, c *crossdock) {
	t.Helper()
	crossdockKey, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: "dh", Key: partnerKey, CrossdockClientID: "crossdock",
		CrossdockKey: crossdockKey.Public().(ed25519.PublicKey), Market: m,
		WebhookAddr: serveCrossdock(t, c, partnerKey.Public().(ed25519.PublicKey)), ClientID: partnerClientID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Stop)
}

func note(o partnersim.Order) notification {
	return notification{OrderID: o.OrderID, UpdatedAt: o.UpdatedAt}
}

// Every order change is notified, signed by the partner, in order; the
// faults duplicate and reorder notifications as their flags say.
func TestWebhooks(t *testing.T) {
	tests := []struct {
		name   string
		faults partnersim.Faults
		// changes changes orders and returns the notifications expected.
		changes func(t *testing.T, m *partnersim.Market) []notification
	}{
		{"every change once, in order", partnersim.Faults{}, func(t *testing.T, m *partnersim.Market) []notification {
			placed, err := m.PlaceOrder("buyer", berlin, []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 1}}, false)
			if err != nil {
				t.Fatal(err)
			}
			paid, err := m.Pay(placed.OrderID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.ConfirmShipment(placed.OrderID, nil, "CS", "CS0000000001"); err != nil {
				t.Fatal(err)
			}
			shipped, _ := m.Order(placed.OrderID)
			if _, err := m.ConfirmShipment(placed.OrderID, nil, "CS", "CS0000000001"); err != nil {
				t.Fatal(err) // the same waybill again changes nothing
			}
			other := place(t, m, 1)
			cancelled, err := m.Cancel(other.OrderID)
			if err != nil {
				t.Fatal(err)
			}
			return []notification{note(placed), note(paid), note(shipped), note(other), note(cancelled)}
		}},
		{"duplicated", partnersim.Faults{DuplicateWebhooks: 1}, func(t *testing.T, m *partnersim.Market) []notification {
			a, b := place(t, m, 0), place(t, m, 1)
			return []notification{note(a), note(a), note(b), note(b)}
		}},
		{"reordered", partnersim.Faults{ReorderWebhooks: 1}, func(t *testing.T, m *partnersim.Market) []notification {
			a, b, c, d := place(t, m, 0), place(t, m, 1), place(t, m, 2), place(t, m, 3)
			return []notification{note(b), note(a), note(d), note(c)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A clock a second on at every reading, so each change has a time
			// of its own and its notification tells it from the others.
			clk := newClock()
			m := partnersim.NewMarket(partnersim.MarketConfig{Faults: tt.faults, Seed: 7,
				Now: func() time.Time { clk.Advance(time.Second); return clk.Now() }})
			for i := range 4 {
				if _, err := m.UpsertListing(listing(i)); err != nil {
					t.Fatal(err)
				}
			}
			c := &crossdock{}
			withWebhooks(t, m, c)
			want := tt.changes(t, m)
			got := c.received(t, len(want))
			if len(got) != len(want) {
				t.Fatalf("received %v, want %v", got, want)
			}
			for i := range want {
				if got[i].OrderID != want[i].OrderID || !got[i].UpdatedAt.Equal(want[i].UpdatedAt) {
					t.Errorf("notification %d = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// A receiver that does not answer never holds up the marketplace: its
// calls return while the notifications wait.
func TestWebhooksNeverBlockTheMarket(t *testing.T) {
	m := liveMarket(t, newClock(), partnersim.MarketConfig{}, 1)
	c := &crossdock{gate: make(chan struct{})}
	withWebhooks(t, m, c)
	done := make(chan error, 1)
	go func() {
		var err error
		for range 5 {
			if _, perr := m.PlaceOrder("buyer", berlin, []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 1}}, true); perr != nil {
				err = perr
			}
		}
		m.Orders()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the market is blocked by a receiver that does not answer")
	}
	close(c.gate)
	if got := c.received(t, 5); len(got) != 5 {
		t.Errorf("received %d notifications, want 5", len(got))
	}
}

// A partner not told its client id learns it from Crossdock's verification
// handshake: changes before are not notified (Crossdock's pull finds
// them), changes after are, signed as the client the handshake named.
func TestWebhooksSignedAsTheClientTheHandshakeNamed(t *testing.T) {
	c := &crossdock{}
	m := partnersim.NewMarket(partnersim.MarketConfig{Seed: 5})
	crossdockKey, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: "dh", Key: partnerKey, CrossdockClientID: "crossdock",
		CrossdockKey: crossdockKey.Public().(ed25519.PublicKey), Market: m,
		WebhookAddr: serveCrossdock(t, c, partnerKey.Public().(ed25519.PublicKey))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Stop)
	if _, err := m.PlaceOrder("early", berlin, []partnersim.ItemInput{{Quantity: 1}}, true); err != nil {
		t.Fatal(err)
	}
	if got := c.received(t, 1); len(got) != 0 {
		t.Fatalf("notified %v before the partner knew its client id", got)
	}
	if _, err := sim.Handshake(context.Background(), &partnerv1.HandshakeRequest{Challenge: make([]byte, 32), PartnerCode: "dh", ApiClientId: partnerClientID}); err != nil {
		t.Fatal(err)
	}
	if sim.ClientID() != partnerClientID {
		t.Fatalf("client id after the handshake = %q", sim.ClientID())
	}
	later, err := m.PlaceOrder("later", berlin, []partnersim.ItemInput{{Quantity: 1}}, true)
	if err != nil {
		t.Fatal(err)
	}
	got := c.received(t, 1)
	if len(got) != 1 || got[0].OrderID != later.OrderID {
		t.Fatalf("notified %v, want the later order %s once", got, later.OrderID)
	}
}
