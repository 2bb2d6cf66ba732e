package peers_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// The peers' contracts are served here by the smallest servers that answer
// them, to check the adapters' mapping of answers and failures; the services
// themselves live in other modules.

type financeServer struct {
	financev1.UnimplementedFinanceServiceServer
	answer func(*financev1.GetExchangeRateRequest) (*financev1.GetExchangeRateResponse, error)
}

func (f financeServer) GetExchangeRate(_ context.Context, req *financev1.GetExchangeRateRequest) (*financev1.GetExchangeRateResponse, error) {
	return f.answer(req)
}

type catalogServer struct {
	catalogv1.UnimplementedCatalogServiceServer
	calls int
}

func (c *catalogServer) BatchGetSkus(_ context.Context, req *catalogv1.BatchGetSkusRequest) (*catalogv1.BatchGetSkusResponse, error) {
	c.calls++
	resp := &catalogv1.BatchGetSkusResponse{}
	for i, id := range req.GetSkuIds() {
		if id == "malformed" {
			return nil, status.Errorf(codes.InvalidArgument, "invalid request: sku_ids[%d]: must be a UUID", i)
		}
		if id == "ghost" {
			resp.MissingSkuIds = append(resp.MissingSkuIds, id)
			continue
		}
		resp.Skus = append(resp.Skus, &catalogv1.SkuInfo{
			SkuId: id, WeightG: 300, Dimensions: &catalogv1.Dimensions{LengthMm: 100, WidthMm: 50, HeightMm: 20},
			RetailPrice: &commonv1.Money{CurrencyCode: "USD", AmountMinor: 1250},
			Origin:      &catalogv1.Origin{CountryCode: "CN", RegionCode: "CN-GD"},
			SupplierId:  "org-a", OnSale: id != "sku-ab", Reservable: id != "sku-ab",
		})
	}
	return resp, nil
}

func serve(t *testing.T, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	register(s)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestFinanceRates(t *testing.T) {
	var answer func(*financev1.GetExchangeRateRequest) (*financev1.GetExchangeRateResponse, error)
	conn := serve(t, func(s *grpc.Server) {
		financev1.RegisterFinanceServiceServer(s, financeServer{answer: func(r *financev1.GetExchangeRateRequest) (*financev1.GetExchangeRateResponse, error) {
			return answer(r)
		}})
	})
	f := peers.NewFinance(financev1.NewFinanceServiceClient(conn))
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

	answer = func(r *financev1.GetExchangeRateRequest) (*financev1.GetExchangeRateResponse, error) {
		if r.GetFromCurrency() != "EUR" || r.GetToCurrency() != "USD" || !r.GetAt().AsTime().Equal(at) {
			return nil, status.Error(codes.InvalidArgument, "wrong request")
		}
		if !r.GetFresh() {
			return nil, status.Error(codes.InvalidArgument, "a rate to price with is asked fresh")
		}
		return &financev1.GetExchangeRateResponse{Rate: &financev1.ExchangeRate{FromCurrency: "EUR", ToCurrency: "USD", Rate: "1.0850"}}, nil
	}
	if r, err := f.Rate(context.Background(), "EUR", "USD", at); err != nil || r.String() != "1.0850" {
		t.Fatalf("Rate = %v, %v", r, err)
	}
	for _, tt := range []struct {
		name  string
		err   error
		rate  string
		check func(error) bool
	}{
		{"not found", status.Error(codes.NotFound, "no rate"), "", func(err error) bool { return apperr.IsKind(err, apperr.KindNotFound) }},
		// Finance's only rate is older than its policy allows: freight is
		// not priced on it, and the caller is told why.
		{"stale", grpcerr.ToStatus(apperr.FailedPrecondition("the exchange rate is older than its source allows").WithReason("RATE_STALE")).Err(), "",
			func(err error) bool {
				return errors.Is(err, app.ErrRateStale) && grpcerr.ToStatus(err).Code() == codes.FailedPrecondition
			}},
		{"unavailable", status.Error(codes.Unavailable, "down"), "", func(err error) bool { return errors.Is(err, app.ErrRatesUnavailable) }},
		// The peer refusing us is our problem, not the caller's: internal.
		{"permission denied", status.Error(codes.PermissionDenied, "no"), "", func(err error) bool {
			return grpcerr.ToStatus(err).Code() == codes.Internal
		}},
		{"garbage rate", nil, "1e3", func(err error) bool { return grpcerr.ToStatus(err).Code() == codes.Internal }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			answer = func(*financev1.GetExchangeRateRequest) (*financev1.GetExchangeRateResponse, error) {
				if tt.err != nil {
					return nil, tt.err
				}
				return &financev1.GetExchangeRateResponse{Rate: &financev1.ExchangeRate{Rate: tt.rate}}, nil
			}
			if _, err := f.Rate(context.Background(), "EUR", "USD", at); !tt.check(err) {
				t.Fatalf("error %v (status %v) not as expected", err, grpcerr.ToStatus(err).Code())
			}
		})
	}
}

func TestCatalogSkus(t *testing.T) {
	srv := &catalogServer{}
	conn := serve(t, func(s *grpc.Server) { catalogv1.RegisterCatalogServiceServer(s, srv) })
	c := peers.NewCatalog(catalogv1.NewCatalogServiceClient(conn))
	ids := []string{"ghost"}
	for i := range 600 {
		ids = append(ids, "sku-"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	skus, err := c.Skus(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(skus) != 600 || srv.calls != 2 {
		t.Fatalf("%d SKUs in %d calls, want 600 in 2 (batches of 500)", len(skus), srv.calls)
	}
	want := domain.SkuInfo{ID: "sku-aa", WeightG: 300, Dimensions: domain.Dimensions{LengthMM: 100, WidthMM: 50, HeightMM: 20},
		Price: money.MustNew(1250, "USD"), OriginCountry: "CN", OriginRegion: "CN-GD", SupplierID: "org-a", OnSale: true}
	if skus["sku-aa"] != want {
		t.Errorf("sku = %+v, want %+v", skus["sku-aa"], want)
	}
	if s := skus["sku-ab"]; s.OnSale || !s.Deleted {
		t.Errorf("a deleted SKU = %+v, want not on sale and deleted", s)
	}
	if _, ok := skus["ghost"]; ok {
		t.Error("a missing SKU was returned")
	}
	// Ids the catalog refuses are the caller's mistake, on the lines.
	_, err = c.Skus(context.Background(), []string{"malformed"})
	if st := grpcerr.ToStatus(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "lines.lines") {
		t.Errorf("malformed id: %v", st)
	}
}
