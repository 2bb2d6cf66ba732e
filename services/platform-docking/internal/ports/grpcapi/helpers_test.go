package grpcapi_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/kek"
	pkgmoney "github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/marketplace"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/services/platform-docking/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// crossdockClientID is who docking signs as to partners.
const crossdockClientID = "crossdock-test"

// Callers as access tokens carry them.
var (
	admin    = auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}
	buyer    = auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	supplier = auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: uuid.NewString()}
)

// users plays the users service's GetApiClientKeys: the API clients and
// their public keys.
type users struct {
	usersv1.UnimplementedUsersServiceServer
	mu      sync.Mutex
	clients map[string]*usersv1.GetApiClientKeysResponse
}

func (u *users) add(id string, kind usersv1.ApiClientKind, key ed25519.PublicKey) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.clients[id] = &usersv1.GetApiClientKeysResponse{
		Client: &usersv1.ApiClient{ClientId: id, Kind: kind},
		Keys:   []*usersv1.SigningKey{{PublicKey: key}},
	}
}

func (u *users) remove(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.clients, id)
}

func (u *users) GetApiClientKeys(_ context.Context, req *usersv1.GetApiClientKeysRequest) (*usersv1.GetApiClientKeysResponse, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	resp, ok := u.clients[req.GetClientId()]
	if !ok {
		return nil, grpcerr.Error(apperr.NotFound("api client", req.GetClientId()))
	}
	return resp, nil
}

// fixture is platform-docking's gRPC API on a loopback port, over a fresh
// database, authenticating access tokens and signed requests as the
// runtime does.
type fixture struct {
	pool     *pgxpool.Pool
	store    *postgres.Store
	addr     string
	tokenKey auth.SigningKey
	users    *users
	// crossdock is docking's own signing key, which partners know.
	crossdock ed25519.PrivateKey
	// trade runs docking's jobs over the standard protocol's connector;
	// orders records what they place.
	trade  *app.Trade
	orders *orders
	// erp is what inventory, orders and the catalogue were sent for ERPs.
	erp *erpPeers
}

// orders plays the orders service's PlaceExternal: idempotent on channel
// and partner order id, each partner order one local order with one
// sub-order, every call recorded.
type orders struct {
	mu        sync.Mutex
	calls     []app.ExternalOrder
	placed    map[string]app.PlacedOrder
	cancelled []uuid.UUID
}

func (o *orders) PlaceExternal(ctx context.Context, in []app.ExternalOrder) ([]app.Placing, error) {
	return app.OneAtATime(o.placeOne).PlaceExternal(ctx, in)
}

// CancelExternal records the cancel of a partner order's local order.
func (o *orders) CancelExternal(_ context.Context, orderID uuid.UUID, _ string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cancelled = append(o.cancelled, orderID)
	return nil
}

// Cancelled returns the local orders cancelled so far.
func (o *orders) Cancelled() []uuid.UUID {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.cancelled)
}

func (o *orders) placeOne(_ context.Context, in app.ExternalOrder) (app.PlacedOrder, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, in)
	key := in.Channel + "/" + in.ExternalOrderID
	if placed, ok := o.placed[key]; ok {
		return placed, nil
	}
	if in.ExistingOnly {
		return app.PlacedOrder{}, apperr.NotFound("external order", in.ExternalOrderID)
	}
	sub := app.PlacedSubOrder{SettledSubOrder: domain.SettledSubOrder{SubOrderID: uuid.NewString(), SupplierID: uuid.NewString(),
		Currency: "EUR", GoodsMinor: 1999}}
	for _, l := range in.Lines {
		sub.SKUIDs = append(sub.SKUIDs, l.SKUID)
	}
	placed := app.PlacedOrder{OrderID: uuid.New(), SubOrders: []app.PlacedSubOrder{sub}}
	o.placed[key] = placed
	return placed, nil
}

// Calls returns the PlaceExternal calls so far.
func (o *orders) Calls() []app.ExternalOrder {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.calls)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{pool: testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS}),
		users: &users{clients: map[string]*usersv1.GetApiClientKeysResponse{}}}
	if err := auth.MigrateNonces(ctx, f.pool); err != nil {
		t.Fatal(err)
	}
	ring, err := kek.Parse(kek.Generate("test"))
	if err != nil {
		t.Fatal(err)
	}
	f.store = postgres.New(f.pool, ring)
	f.crossdock = newKey(t)

	usersConn := serveGRPC(t, func(g *grpc.Server) { usersv1.RegisterUsersServiceServer(g, f.users) })
	// A zero cache lifetime: every check sees the keys as they are now.
	keys := auth.UsersKeyLookup(usersv1.NewUsersServiceClient(usersConn), 0)

	var tokenKeys auth.KeySource
	f.tokenKey, tokenKeys = testkit.SigningKey(t)
	bearer := auth.UnaryServerInterceptor(auth.NewVerifier(tokenKeys))
	signed := auth.SignedUnaryServerInterceptor(&auth.RequestVerifier{Keys: keys, Nonces: auth.NewPostgresNonceStore(f.pool, slog.Default())})
	srv := server.New("platform-docking", server.Config{GRPCAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0"}, nil, nil,
		grpc.ChainUnaryInterceptor(auth.SignedOrBearerUnaryServerInterceptor(signed, bearer)))
	handshakers := map[domain.Protocol]app.Handshaker{
		domain.ProtocolStandardGRPC: marketplace.NewHandshaker(marketplace.Signer{ClientID: crossdockClientID, Key: f.crossdock}, 5*time.Second,
			partnertls.Transport{Plaintext: true}),
	}
	connector := marketplace.NewConnector(marketplace.Signer{ClientID: crossdockClientID, Key: f.crossdock}, 5*time.Second, partnertls.Transport{Plaintext: true})
	t.Cleanup(func() { connector.Close() })
	f.orders = &orders{placed: map[string]app.PlacedOrder{}}
	f.trade = app.NewTrade(f.store, postgres.NewTrade(f.pool), map[domain.Protocol]app.Connector{domain.ProtocolStandardGRPC: connector.App()},
		nil, f.orders, shortFinance{}, app.Timing{PullEvery: time.Hour, SettleEvery: time.Hour, Retry: time.Minute}, slog.Default()).
		WithSupply(app.NewSupply(postgres.NewSupply(f.pool, ring), nil, nil, nil, app.SupplyTiming{}, slog.Default()))
	f.erp = startERPPeers(t)
	grpcapi.Register(srv.GRPC(), app.New(f.store, handshakers, keys), f.trade, f.erp.app())
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })
	f.addr = srv.GRPCAddr().String()
	return f
}

// serveGRPC serves a plain gRPC server on a loopback port until the test
// ends and returns a connection to it.
func serveGRPC(t *testing.T, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	register(g)
	go func() { _ = g.Serve(l) }()
	t.Cleanup(g.Stop)
	return dial(t, l.Addr().String())
}

func dial(t *testing.T, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := auth.GenerateRequestKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// docking returns a DockingService client and a context carrying c's token.
func (f *fixture) docking(t *testing.T, c auth.Caller) (dockingv1.DockingServiceClient, context.Context) {
	t.Helper()
	return dockingv1.NewDockingServiceClient(dial(t, f.addr)), testkit.As(t, f.tokenKey, c)
}

// asPartner returns clients whose calls are signed as clientID with key.
func (f *fixture) asPartner(t *testing.T, clientID string, key ed25519.PrivateKey) *grpc.ClientConn {
	t.Helper()
	return dial(t, f.addr, grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor(clientID, key)))
}

// rawSigned returns a context whose call to method carries a signature
// made by hand: at ts, with nonce, by key, so a test can send a stale,
// replayed or forged one.
func rawSigned(clientID string, key ed25519.PrivateKey, method string, ts time.Time, nonce string, req proto.Message) context.Context {
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		panic(err)
	}
	return metadata.AppendToOutgoingContext(context.Background(),
		auth.ClientIDHeader, clientID, auth.TimestampHeader, strconv.FormatInt(ts.Unix(), 10),
		auth.NonceHeader, nonce, auth.SignatureHeader, auth.SignRequest(key, method, ts, nonce, body))
}

// partner is a standard-protocol partner: its API client registered in
// users and a simulator serving its endpoint.
type partner struct {
	code     string
	clientID string
	key      ed25519.PrivateKey
	sim      *partnersim.Server
	endpoint string
}

// startPartner registers a partner API client and starts its simulator
// with the faults given.
func (f *fixture) startPartner(t *testing.T, code string, faults func(*partnersim.Config)) *partner {
	t.Helper()
	p := &partner{code: code, clientID: "pc-" + code, key: newKey(t)}
	f.users.add(p.clientID, usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER, p.key.Public().(ed25519.PublicKey))
	cfg := partnersim.Config{Code: code, Key: p.key, CrossdockClientID: crossdockClientID,
		CrossdockKey: f.crossdock.Public().(ed25519.PublicKey)}
	if faults != nil {
		faults(&cfg)
	}
	sim, err := partnersim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sim.Serve(l) }()
	t.Cleanup(sim.Stop)
	p.sim, p.endpoint = sim, l.Addr().String()
	return p
}

// register creates the partner in the registry (as an admin).
func (f *fixture) register(t *testing.T, p *partner) *dockingv1.Partner {
	t.Helper()
	client, ctx := f.docking(t, admin)
	resp, err := client.CreatePartner(ctx, &dockingv1.CreatePartnerRequest{
		Name: "Partner " + p.code, Code: p.code, Protocol: dockingv1.PartnerProtocol_PARTNER_PROTOCOL_STANDARD_GRPC,
		Endpoint: p.endpoint, ApiClientId: p.clientID, Locales: []string{"en-US", "de-DE"}, CommissionBps: 800,
		Fees: &dockingv1.FeeTerms{FixedPerOrder: money("EUR", 50)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetPartner()
}

// verified registers and verifies the partner.
func (f *fixture) verified(t *testing.T, p *partner) *dockingv1.Partner {
	t.Helper()
	reg := f.register(t, p)
	client, ctx := f.docking(t, admin)
	resp, err := client.VerifyPartner(ctx, &dockingv1.VerifyPartnerRequest{PartnerId: reg.GetPartnerId()})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetPartner()
}

// get reads a partner as an admin.
func (f *fixture) get(t *testing.T, id string) *dockingv1.Partner {
	t.Helper()
	client, ctx := f.docking(t, admin)
	resp, err := client.GetPartner(ctx, &dockingv1.GetPartnerRequest{PartnerId: id})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetPartner()
}

// wantError checks a call's error by kind and, when given, reason.
func wantError(t *testing.T, err error, kind apperr.Kind, reason string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(grpcerr.FromError(err), &e) || e.Kind != kind || (reason != "" && e.Reason != reason) {
		t.Fatalf("error = %v, want %v %s", err, kind, reason)
	}
}

// unchanged fails when the partner differs from before.
func unchanged(t *testing.T, before, after *dockingv1.Partner) {
	t.Helper()
	if !proto.Equal(before, after) {
		t.Errorf("partner changed:\nbefore %v\nafter  %v", before, after)
	}
}

func money(currency string, minor int64) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: currency, AmountMinor: minor}
}

// shortFinance plays a finance whose virtual accounts hold nothing: every
// withdrawal is refused, unless its excess is to be booked unallocated,
// which is then all of it.
type shortFinance struct{}

func (shortFinance) CreditPartnerSettlement(context.Context, uuid.UUID, string, domain.SupplierCredit) error {
	return nil
}

func (shortFinance) RecordPartnerWithdrawal(_ context.Context, _ uuid.UUID, _ string, amount pkgmoney.Money, excessUnallocated bool) (int64, error) {
	if !excessUnallocated {
		return 0, apperr.FailedPrecondition("the withdrawal exceeds the partner virtual account").WithReason("CREDITS_EXCEED_DEBITS")
	}
	return amount.Amount, nil
}
