package grpcapi_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/freight-estimator/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// client is a freight client with a way to sign tokens for any caller.
type client struct {
	freightv1.FreightServiceClient
	key auth.SigningKey
}

// tickingClock starts at the real time and moves on a millisecond at every
// reading, so a setting the service records is strictly older than the next
// estimate's "now" without the test sleeping between them.
func tickingClock() func() time.Time {
	start := time.Now()
	var ticks atomic.Int64
	return func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * time.Millisecond) }
}

// start runs the real gRPC server (the kit's interceptors plus token
// authentication against a static key) on a loopback port.
func start(t *testing.T) client {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "freight", FS: migrations.FS})
	svc, err := app.New(postgres.New(pool), "USD", app.WithClock(tickingClock()))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.EnsureDefaults(context.Background()); err != nil {
		t.Fatal(err)
	}
	key, keys := testkit.SigningKey(t)
	conn := testkit.ServeAPI(t, "freight-estimator", keys, grpcapi.PublicMethods, grpcapi.New(svc).Register)
	return client{FreightServiceClient: freightv1.NewFreightServiceClient(conn), key: key}
}

func (c client) as(t *testing.T, roles ...string) context.Context {
	t.Helper()
	return testkit.As(t, c.key, auth.Caller{Subject: "user-" + roles[0], Kind: auth.KindUser, Roles: roles})
}

var routeR = &commonv1.Route{OriginCountryCode: "CN", OriginRegionCode: "CN-GD", DestinationCountryCode: "US", DestinationRegionCode: "US-CA"}

func usd(n int64) *commonv1.Money { return &commonv1.Money{CurrencyCode: "USD", AmountMinor: n} }

func parcelReq(vol, wt int64, value *commonv1.Money) *freightv1.EstimateRequest {
	return &freightv1.EstimateRequest{Route: routeR, ParcelSpec: &freightv1.EstimateRequest_Parcel{
		Parcel: &freightv1.Parcel{VolumeCm3: vol, WeightG: wt, DeclaredValue: value}}}
}

// violations returns the code and the BadRequest field names of err.
func violations(err error) (codes.Code, []string) {
	st := status.Convert(err)
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return st.Code(), out
}

func TestEstimateRefusesBadInput(t *testing.T) {
	c := start(t)
	ctx := c.as(t, auth.RoleBuyer)
	withRoute := func(r *commonv1.Route) *freightv1.EstimateRequest {
		req := parcelReq(1000, 2000, usd(5000))
		req.Route = r
		return req
	}
	tests := []struct {
		name string
		req  *freightv1.EstimateRequest
		want []string
	}{
		{"missing route", withRoute(nil), []string{"route"}},
		{"unknown country", withRoute(&commonv1.Route{OriginCountryCode: "XX", OriginRegionCode: "XX-1", DestinationCountryCode: "US", DestinationRegionCode: "US-CA"}),
			[]string{"route.origin_country_code"}},
		{"unknown region", withRoute(&commonv1.Route{OriginCountryCode: "CN", OriginRegionCode: "CN-XX", DestinationCountryCode: "US", DestinationRegionCode: "US-CA"}),
			[]string{"route.origin_region_code"}},
		{"region of another country", withRoute(&commonv1.Route{OriginCountryCode: "CN", OriginRegionCode: "CN-GD", DestinationCountryCode: "US", DestinationRegionCode: "DE-BY"}),
			[]string{"route.destination_region_code"}},
		{"zero volume", parcelReq(0, 2000, usd(5000)), []string{"parcel.volume_cm3"}},
		{"negative volume", parcelReq(-5, 2000, usd(5000)), []string{"parcel.volume_cm3"}},
		{"zero weight", parcelReq(1000, 0, usd(5000)), []string{"parcel.weight_g"}},
		{"negative weight", parcelReq(1000, -1, usd(5000)), []string{"parcel.weight_g"}},
		{"zero value", parcelReq(1000, 2000, usd(0)), []string{"parcel.declared_value.amount_minor"}},
		{"negative value", parcelReq(1000, 2000, usd(-100)), []string{"parcel.declared_value.amount_minor"}},
		{"missing value", parcelReq(1000, 2000, nil), []string{"parcel.declared_value"}},
		{"unknown currency", parcelReq(1000, 2000, &commonv1.Money{CurrencyCode: "usd", AmountMinor: 1}), []string{"parcel.declared_value.currency_code"}},
		{"no parcel", &freightv1.EstimateRequest{Route: routeR}, []string{"parcel"}},
		{"empty lines", &freightv1.EstimateRequest{Route: routeR, ParcelSpec: &freightv1.EstimateRequest_Lines{Lines: &freightv1.SkuLines{}}}, []string{"lines.lines"}},
		{"lines valued at nothing", &freightv1.EstimateRequest{Route: routeR, ParcelSpec: &freightv1.EstimateRequest_Lines{Lines: &freightv1.SkuLines{
			Lines: []*freightv1.SkuLine{{SkuId: "a", Quantity: 1}}, DeclaredValue: usd(0)}}}, []string{"lines.declared_value.amount_minor"}},
		{"everything at once", &freightv1.EstimateRequest{ParcelSpec: &freightv1.EstimateRequest_Parcel{Parcel: &freightv1.Parcel{VolumeCm3: 0, WeightG: -1, DeclaredValue: usd(0)}},
			ShippingMethod: "Fast!", DisplayCurrency: "XXX"},
			[]string{"shipping_method", "display_currency", "route", "parcel.volume_cm3", "parcel.weight_g", "parcel.declared_value.amount_minor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Estimate(ctx, tt.req)
			code, fields := violations(err)
			if code != codes.InvalidArgument || !slices.Equal(fields, tt.want) {
				t.Fatalf("got %v %v, want InvalidArgument %v (%v)", code, fields, tt.want, err)
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	c := start(t)
	if _, err := c.Estimate(context.Background(), parcelReq(1000, 2000, usd(5000))); status.Code(err) != codes.Unauthenticated {
		t.Errorf("estimate without a token: %v", err)
	}
	buyer := c.as(t, auth.RoleBuyer)
	if _, err := c.Estimate(buyer, parcelReq(1000, 2000, usd(5000))); err != nil {
		t.Errorf("buyer estimate: %v", err)
	}
	if _, err := c.ImportShipments(buyer, &freightv1.ImportShipmentsRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("buyer import: %v", err)
	}
	if _, err := c.UpdateConfig(c.as(t, auth.RoleReviewer), &freightv1.UpdateConfigRequest{Config: &freightv1.FreightConfig{}}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("reviewer update: %v", err)
	}
	if _, err := c.GetConfig(c.as(t, auth.RoleReviewer), &freightv1.GetConfigRequest{}); err != nil {
		t.Errorf("reviewer get config: %v", err)
	}
}

func record(id string, freight int64, at time.Time) *freightv1.ShipmentRecord {
	return &freightv1.ShipmentRecord{
		ShipmentId: id, Route: routeR, VolumeCm3: 1000, WeightG: 2000,
		DeclaredValue: usd(5000), TransactionAmount: usd(5000 + freight), GoodsPrice: usd(5000),
		CompletedAt: timestamppb.New(at),
	}
}

// Import, estimate and settings through the wire, with the breakdown as
// clients read it.
func TestRoundTrip(t *testing.T) {
	c := start(t)
	admin, buyer := c.as(t, auth.RoleAdmin), c.as(t, auth.RoleBuyer)
	yesterday := time.Now().Add(-24 * time.Hour)
	imp, err := c.ImportShipments(admin, &freightv1.ImportShipmentsRequest{Records: []*freightv1.ShipmentRecord{
		record("a", 1000, yesterday), record("b", 1001, yesterday), record("c", -1, yesterday), record("a", 1000, yesterday),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if imp.GetImported() != 2 || imp.GetDuplicates() != 1 || len(imp.GetRejected()) != 1 ||
		imp.GetRejected()[0].GetIndex() != 2 || imp.GetRejected()[0].GetShipmentId() != "c" {
		t.Fatalf("import = %v", imp)
	}

	// S = {10.00, 10.01} → 10.005; × 1.5 = 15.0075 → 15.01.
	req := parcelReq(1000, 2000, usd(5000))
	est, err := c.Estimate(buyer, req)
	if err != nil {
		t.Fatal(err)
	}
	if est.GetBasis() != freightv1.Basis_BASIS_HISTORY || est.GetTargetFreight().GetAmountMinor() != 1501 ||
		est.GetTotalBeforeMultiplier() != "10.005" || est.GetMultiplier() != "1.5" || est.GetRouteMultiplier() {
		t.Fatalf("estimate = %v", est)
	}
	g := est.GetGroups()
	if len(g) != 3 || g[0].GetGroup() != freightv1.Group_GROUP_FIRST || g[0].GetCount() != 2 || g[0].GetMeanFreight() != "10.005" ||
		g[0].GetWeight() != "0.648" || g[1].GetCount() != 0 || g[1].GetMeanFreight() != "" || g[2].GetWeight() != "0.102" {
		t.Errorf("groups = %v", g)
	}
	if cfg := est.GetConfig(); cfg.GetWindow().AsDuration() != 90*24*time.Hour || cfg.GetVolumeTolerance() != "0.10" || cfg.GetVersion() != 1 {
		t.Errorf("config = %v", cfg)
	}
	if est.GetParcel().GetDeclaredValue().GetAmountMinor() != 5000 || est.GetRoute().GetDestinationRegionCode() != "US-CA" {
		t.Errorf("parcel/route = %v %v", est.GetParcel(), est.GetRoute())
	}

	// A route multiplier, seen by GetConfig and the estimate.
	if _, err := c.SetRouteMultiplier(admin, &freightv1.SetRouteMultiplierRequest{Route: routeR, Multiplier: "2.0", Reason: "congestion"}); err != nil {
		t.Fatal(err)
	}
	gc, err := c.GetConfig(admin, &freightv1.GetConfigRequest{Route: routeR})
	if err != nil || gc.GetEffectiveMultiplier() != "2.0" || !gc.GetRouteMultiplier() {
		t.Fatalf("GetConfig = %v, %v", gc, err)
	}
	if est, err = c.Estimate(buyer, req); err != nil || est.GetTargetFreight().GetAmountMinor() != 2001 || !est.GetRouteMultiplier() {
		t.Errorf("estimate with the route's 2.0 = %v, %v (want 20.01)", est, err)
	}

	// A new global version.
	up, err := c.UpdateConfig(admin, &freightv1.UpdateConfigRequest{Config: &freightv1.FreightConfig{
		Window: durationpb.New(60 * 24 * time.Hour), VolumeTolerance: "0.1", WeightTolerance: "0.1", ValueTolerance: "0.1",
		FirstWeight: "0.6", SecondaryWeight: "0.3", EndWeight: "0.1", Multiplier: "1.4", Reason: "review",
	}})
	if err != nil || up.GetConfig().GetVersion() != 2 || up.GetConfig().GetChangedBy() != "user-admin" {
		t.Fatalf("UpdateConfig = %v, %v", up, err)
	}
	list, err := c.ListConfigVersions(admin, &freightv1.ListConfigVersionsRequest{Page: &commonv1.PageRequest{PageSize: 1}})
	if err != nil || len(list.GetVersions()) != 1 || list.GetVersions()[0].GetVersion() != 2 || list.GetPage().GetNextPageToken() == "" {
		t.Fatalf("ListConfigVersions = %v, %v", list, err)
	}
	_, err = c.UpdateConfig(admin, &freightv1.UpdateConfigRequest{Config: &freightv1.FreightConfig{Multiplier: "x"}})
	if code, fields := violations(err); code != codes.InvalidArgument || !slices.Contains(fields, "config.multiplier") || !slices.Contains(fields, "config.window") {
		t.Errorf("bad UpdateConfig: %v %v", code, fields)
	}

	// Rate card: the default, then a replacement, and a rate-card estimate.
	rc, err := c.GetRateCard(admin, &freightv1.GetRateCardRequest{})
	if err != nil || rc.GetRateCard().GetVersion() != 1 || rc.GetRateCard().GetVolumetricDivisor() != 5000 {
		t.Fatalf("GetRateCard = %v, %v", rc, err)
	}
	set, err := c.SetRateCard(admin, &freightv1.SetRateCardRequest{RateCard: &freightv1.RateCard{
		Zones:                 []*freightv1.Zone{{Code: "NA", CountryCodes: []string{"US", "CA"}}},
		Prices:                []*freightv1.ZonePrice{{Zone: "NA", ShippingMethod: "standard", PricePerKg: usd(800)}},
		VolumetricDivisor:     6000,
		DefaultShippingMethod: "standard",
	}})
	if err != nil || set.GetRateCard().GetVersion() != 2 {
		t.Fatalf("SetRateCard = %v, %v", set, err)
	}
	// No matching history at 30 kg and 9000.00 USD: 600·500·400 mm / 6000 = 20,000 g < 30,000 g; 30 kg × 8.00 = 240.00; × 2.0 = 480.00.
	big := parcelReq(120000, 30000, usd(900000))
	big.GetParcel().Dimensions = &freightv1.Dimensions{LengthMm: 600, WidthMm: 500, HeightMm: 400}
	est, err = c.Estimate(buyer, big)
	if err != nil {
		t.Fatal(err)
	}
	b := est.GetRateCard()
	if est.GetBasis() != freightv1.Basis_BASIS_RATE_CARD || est.GetTargetFreight().GetAmountMinor() != 48000 ||
		b.GetZone() != "NA" || b.GetVolumetricWeightG() != 20000 || b.GetChargeableWeightG() != 30000 ||
		b.GetVolumetricDivisor() != 6000 || b.GetPricePerKg().GetAmountMinor() != 800 || est.GetTotalBeforeMultiplier() != "240.00" {
		t.Errorf("rate-card estimate = %v", est)
	}
}
