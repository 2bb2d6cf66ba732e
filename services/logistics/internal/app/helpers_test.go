package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/services/logistics/migrations"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

// testKeys seals the carriers' credentials of the tests' stores.
var testKeys = kek.MustParse(kek.Generate("test"))

// Callers as the gRPC edge builds them from verified tokens.
var (
	orders = auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	admin  = auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}
)

const (
	carrierCode   = "sim"
	apiKey        = "sk_test_carrier"
	webhookSecret = "whsec_test_carrier_0123456789"
)

// financeLedger plays finance's side of freight legs: idempotent on the
// leg id, as finance is, recording every call so a test can tell a leg paid
// once from one paid twice.
type financeLedger struct {
	mu    sync.Mutex
	paid  map[string]money.Money // leg id → amount moved
	calls map[string]int
	// conflicts counts legs sent again with another amount: finance answers
	// those AlreadyExists and moves nothing.
	conflicts int
	// refuse answers every leg FailedPrecondition, as finance does once a
	// sub-order's escrow is settled.
	refuse bool
	// failOnce, when set, is each leg's answer the first time it is
	// offered: Aborted, as finance answers a leg whose escrow a concurrent
	// command holds; an internal error on one escrow; finance unavailable.
	failOnce error
	// rate, when set, answers RateToBase.
	rate func() (string, error)
	// fromPlatform are the legs paid from the platform's freight expense,
	// afterSale the return each return parcel's leg named.
	fromPlatform map[string]bool
	afterSale    map[string]string
}

func (f *financeLedger) PayFreightLeg(_ context.Context, p app.LegPayment) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	legID, amount, fromPlatform := p.LegID, p.Amount, p.FromPlatform
	f.calls[legID]++
	if p.AfterSaleID != "" && !fromPlatform {
		return apperr.InvalidField("after_sale_id", "is an after-sale parcel's: set from_platform")
	}
	if f.failOnce != nil && f.calls[legID] == 1 {
		return f.failOnce
	}
	if f.refuse && !fromPlatform {
		return apperr.FailedPrecondition("the sub-order's escrow is settled").WithReason("ESCROW_SETTLED")
	}
	if prev, ok := f.paid[legID]; ok {
		if prev != amount {
			f.conflicts++
			return apperr.AlreadyExists("leg " + legID + " was paid with another amount")
		}
		return nil
	}
	f.paid[legID] = amount
	if fromPlatform {
		f.fromPlatform[legID] = true
	}
	if p.AfterSaleID != "" {
		if f.afterSale == nil {
			f.afterSale = map[string]string{}
		}
		f.afterSale[legID] = p.AfterSaleID
	}
	return nil
}

// RateToBase answers 1.1, or what rate says when set.
func (f *financeLedger) RateToBase(context.Context, string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rate != nil {
		return f.rate()
	}
	return "1.1", nil
}

// stockLedger plays inventory's side: commits by reservation id.
type stockLedger struct {
	mu      sync.Mutex
	commits map[string]int
	// refuse answers a reservation's commit with its error, as inventory
	// does for one expired, released or unknown; refused counts those
	// answers.
	refuse  map[string]error
	refused map[string]int
	// shippedAt is when each reservation's goods left, as the commit said.
	shippedAt map[string]time.Time
}

func (s *stockLedger) Commit(_ context.Context, reservationID string, shippedAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shippedAt == nil {
		s.shippedAt = map[string]time.Time{}
	}
	s.shippedAt[reservationID] = shippedAt
	if err := s.refuse[reservationID]; err != nil {
		if s.refused == nil {
			s.refused = map[string]int{}
		}
		s.refused[reservationID]++
		return err
	}
	s.commits[reservationID]++
	return nil
}

type fixture struct {
	svc       *app.Service
	store     *postgres.Store
	pool      *pgxpool.Pool
	sim       *carriersim.Server
	simURL    string
	finance   *financeLedger
	inventory *stockLedger
	carrier   domain.Carrier
	methods   map[string]domain.Method // by code
	// webhookFailRate makes the receiver answer 503 before applying, as a
	// gateway or service in trouble would.
	webhookFailRate float64
	// intercept, when set, answers the service's calls to the carrier in
	// place of the simulator, which it may call itself (next): how a test
	// loses an answer or holds one in flight.
	intercept atomic.Pointer[interceptor]
}

// interceptor answers a call to the carrier; next is the simulator.
type interceptor func(w http.ResponseWriter, r *http.Request, next http.Handler)

// newFixture starts a carrier simulator whose webhooks reach the service
// the way the gateway passes them, and seeds its carrier.
func newFixture(t testing.TB, simCfg carriersim.Config, conns int32, opts ...func(*app.Config)) *fixture {
	t.Helper()
	base := testkit.Database(t, testkit.Migrations{Name: "logistics", FS: migrations.FS})
	pcfg := base.Config()
	pcfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	f := &fixture{store: postgres.New(pool, testKeys), pool: pool,
		finance: &financeLedger{paid: map[string]money.Money{}, calls: map[string]int{}, fromPlatform: map[string]bool{}}, inventory: &stockLedger{commits: map[string]int{}}}
	cfg := app.Config{Environment: "sandbox", BaseCurrency: "USD", TimeScale: max(simCfg.TimeScale, 1)}
	for _, o := range opts {
		o(&cfg)
	}
	f.svc = app.New(f.store, carrierapi.New(5*time.Second), f.finance, f.inventory, cfg)

	var mu sync.Mutex
	rnd := rand.New(rand.NewPCG(1, 2))
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := rnd.Float64() < f.webhookFailRate
		mu.Unlock()
		if fail {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		_, err := f.svc.HandleWebhook(r.Context(), carrierCode, r.Header.Get(carriersim.SignatureHeader), body)
		w.WriteHeader(httpStatus(err))
	}))
	t.Cleanup(hook.Close)

	simCfg.APIKey, simCfg.WebhookURL, simCfg.WebhookSecret = apiKey, hook.URL, []byte(webhookSecret)
	sim, err := carriersim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fn := f.intercept.Load(); fn != nil {
			(*fn)(w, r, sim.Handler())
			return
		}
		sim.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { simSrv.Close(); sim.Close() })
	f.sim, f.simURL = sim, simSrv.URL

	if err := f.svc.EnsureSeedCarrier(ctx, app.SeedCarrier{Code: carrierCode, Name: "Simulator", URL: simSrv.URL, APIKey: apiKey, WebhookSecret: webhookSecret}); err != nil {
		t.Fatal(err)
	}
	if f.carrier, err = f.store.GetCarrierByCode(ctx, carrierCode); err != nil {
		t.Fatal(err)
	}
	ms, err := f.svc.ListMethods(ctx, admin, "", false)
	if err != nil {
		t.Fatal(err)
	}
	f.methods = map[string]domain.Method{}
	for _, m := range ms {
		f.methods[m.Code] = m
	}
	return f
}

// httpStatus is the answer the gateway gives for a webhook's outcome.
func httpStatus(err error) int {
	switch apperr.KindOf(err) {
	case apperr.KindUnknown:
		if err == nil {
			return http.StatusOK
		}
		return http.StatusInternalServerError
	case apperr.KindUnauthenticated:
		return http.StatusUnauthorized
	case apperr.KindInvalid:
		return http.StatusBadRequest
	case apperr.KindNotFound:
		return http.StatusNotFound
	default:
		return http.StatusServiceUnavailable
	}
}

var places = []struct {
	country, region string
	point           geo.Point
}{
	{"CN", "CN-GD", geo.Point{Lat: 22.5431, Lng: 114.0579}},
	{"US", "US-CA", geo.Point{Lat: 34.0522, Lng: -118.2437}},
	{"DE", "DE-BY", geo.Point{Lat: 48.1351, Lng: 11.5820}},
	{"GB", "", geo.Point{Lat: 51.5074, Lng: -0.1278}},
	{"BR", "BR-SP", geo.Point{Lat: -23.5505, Lng: -46.6333}},
}

func address(i int, withPoint bool) domain.Address {
	p := places[i%len(places)]
	a := domain.Address{Recipient: "Recipient", Country: p.country, Region: p.region, City: "City", Lines: []string{"1 Street"}}
	if withPoint {
		pt := p.point
		a.Location = &pt
	}
	return a
}

// input is a valid outbound parcel from one place to another by a method.
func (f *fixture) input(i int, method string) domain.NewShipmentInput {
	return domain.NewShipmentInput{
		Kind: domain.KindOutbound, SubOrderID: uuid.New(), OrderID: uuid.New(), BuyerID: uuid.NewString(),
		SupplierOrgID: uuid.New(), MethodID: f.methods[method].ID, From: address(i, true), To: address(i+1+i%3, i%2 == 0),
		Lines: []domain.Line{{SKUID: uuid.New(), Quantity: int32(1 + i%3)}}, WeightG: int64(300 + 97*(i%40)),
		VolumeCM3: int64(1000 + 250*(i%17)), DeclaredValue: money.MustNew(int64(2000+i), "USD"),
		GoodsPrice: money.MustNew(int64(1800+i), "EUR"), ReservationID: "res-" + uuid.NewString(),
	}
}

// create books a parcel the way orders does: retrying while the carrier
// is unavailable.
func (f *fixture) create(t testing.TB, in domain.NewShipmentInput) domain.Shipment {
	t.Helper()
	for attempt := 0; ; attempt++ {
		sh, _, err := f.svc.CreateShipment(ctx, orders, in)
		if err == nil {
			return sh
		}
		if !apperr.IsKind(err, apperr.KindUnavailable) || attempt > 50 {
			t.Fatalf("create shipment: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// catchUp reads the carrier's feed to its end, retrying the simulator's
// injected 503s as the service's poller does on its next round.
func (f *fixture) catchUp(t testing.TB) {
	t.Helper()
	var err error
	for attempt := 0; attempt < 100; attempt++ {
		if _, err = f.svc.PollCarrier(ctx, f.carrier, 1000, testkit.Logger(t)); err == nil {
			return
		}
	}
	t.Fatalf("the carrier's feed could not be read to its end: %v", err)
}

// simShipment is the simulator's truth about a parcel.
type simShipment struct {
	Waybill string `json:"waybill"`
	Status  string `json:"status"`
	Legs    []struct {
		LegID string `json:"leg_id"`
	} `json:"legs"`
}

func (f *fixture) truth(t testing.TB, waybill string) simShipment {
	t.Helper()
	var out simShipment
	f.simGet(t, "/v1/shipments/"+waybill, &out)
	return out
}

// simGet reads the simulator's API, retrying its injected 503s.
func (f *fixture) simGet(t testing.TB, path string, out any) {
	t.Helper()
	for attempt := 0; attempt < 100; attempt++ {
		req, _ := http.NewRequest(http.MethodGet, f.simURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			continue
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
		}
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("GET %s: the simulator kept failing", path)
}

// allSimEvents reads the simulator's whole feed.
func (f *fixture) allSimEvents(t testing.TB) []carrierapi.EventJSON {
	t.Helper()
	var all []carrierapi.EventJSON
	after := int64(0)
	for {
		var page struct {
			Events  []carrierapi.EventJSON `json:"events"`
			HasMore bool                   `json:"has_more"`
		}
		f.simGet(t, "/v1/events?limit=1000&after="+itoa(after), &page)
		all = append(all, page.Events...)
		for _, e := range page.Events {
			after = max(after, e.Seq)
		}
		if !page.HasMore || len(page.Events) == 0 {
			return all
		}
	}
}

// waitQuiet waits until the simulator has nothing more to do.
func (f *fixture) waitQuiet(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !f.sim.Quiet() {
		if time.Now().After(deadline) {
			t.Fatal("the carrier simulator never went quiet")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// payAllLegs runs the freight-legs worker until it has nothing left to pay.
func (f *fixture) payAllLegs(t testing.TB, log *slog.Logger) {
	t.Helper()
	for {
		paid, err := f.svc.PayLegs(ctx, 1000, log)
		if err != nil {
			t.Fatal(err)
		}
		if paid == 0 {
			return
		}
	}
}

// secondCarrier is another carrier on a simulator of its own, with no
// webhooks (its feed brings the events): its record, its air method, and a
// wait for its simulator to go quiet.
type secondCarrier struct {
	sim       *carriersim.Server
	carrier   domain.Carrier
	airMethod domain.Method
}

// addCarrier seeds a carrier "other" on a new simulator with cfg (its API
// key and webhook secret set here).
func (f *fixture) addCarrier(t *testing.T, cfg carriersim.Config) secondCarrier {
	t.Helper()
	cfg.APIKey, cfg.WebhookSecret = apiKey, []byte(webhookSecret)
	sim, err := carriersim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { srv.Close(); sim.Close() })
	if err := f.svc.EnsureSeedCarrier(ctx, app.SeedCarrier{Code: "other", Name: "Other", URL: srv.URL, APIKey: apiKey, WebhookSecret: webhookSecret}); err != nil {
		t.Fatal(err)
	}
	c := secondCarrier{sim: sim}
	if c.carrier, err = f.store.GetCarrierByCode(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	methods, err := f.svc.ListMethods(ctx, admin, "", false)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(methods, func(m domain.Method) bool { return m.CarrierID == c.carrier.ID && m.Code == "air" })
	if i < 0 {
		t.Fatal("the other carrier has no air method")
	}
	c.airMethod = methods[i]
	return c
}

// waitQuiet waits until the carrier's simulator has nothing left to send.
func (c secondCarrier) waitQuiet(t *testing.T, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); !c.sim.Quiet(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the other carrier never went quiet")
		}
	}
}
