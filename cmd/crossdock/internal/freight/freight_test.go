package freight_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/freight"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/services/freight-estimator/synth"
)

const header = "shipment_id,origin_country,origin_region,destination_country,destination_region,volume_cm3,weight_g,currency,declared_value,transaction_amount,goods_price,completed_at,rate_to_base\n"

func TestParseRow(t *testing.T) {
	row := func(s string) []string { return strings.Split(s, ",") }
	rec, err := freight.ParseRow(row("s-1,CN,CN-GD,US,US-CA,1000,2000,EUR,40.00,50.5,40,2026-05-01T10:00:00Z,1.085"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.GetShipmentId() != "s-1" || rec.GetRoute().GetDestinationRegionCode() != "US-CA" || rec.GetVolumeCm3() != 1000 ||
		rec.GetDeclaredValue().GetAmountMinor() != 4000 || rec.GetTransactionAmount().GetAmountMinor() != 5050 ||
		rec.GetGoodsPrice().GetCurrencyCode() != "EUR" || rec.GetRateToBase() != "1.085" ||
		!rec.GetCompletedAt().AsTime().Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("record = %v", rec)
	}
	tests := []struct {
		name, row, want string
	}{
		{"columns", "s-1,CN,CN-GD", "has 3 columns, want 13"},
		{"volume", "s-1,CN,CN-GD,US,US-CA,lots,2000,USD,1,2,1,2026-05-01T10:00:00Z,", "volume_cm3"},
		{"too many decimals", "s-1,CN,CN-GD,US,US-CA,1000,2000,JPY,1.5,2,1,2026-05-01T10:00:00Z,", "declared_value"},
		{"currency", "s-1,CN,CN-GD,US,US-CA,1000,2000,DOLLAR,1,2,1,2026-05-01T10:00:00Z,", "currency"},
		{"time", "s-1,CN,CN-GD,US,US-CA,1000,2000,USD,1,2,1,yesterday,", "completed_at"},
	}
	for _, tt := range tests {
		if _, err := freight.ParseRow(row(tt.row)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error about %s", tt.name, err, tt.want)
		}
	}
}

// Generated rows survive the CSV round trip unchanged.
func TestGeneratedCSVRoundTrip(t *testing.T) {
	// One fixed end: two generators built a second apart would otherwise
	// spread their rows over different windows.
	opts := synth.Options{Seed: 3, End: time.Date(2026, 11, 26, 19, 15, 5, 0, time.UTC)}
	var buf bytes.Buffer
	if err := freight.WriteCSV(&buf, synth.New(opts), 200); err != nil {
		t.Fatal(err)
	}
	src, err := freight.NewCSVSource(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(opts)
	for i := range 200 {
		it, err := src.Next()
		if err != nil || it.Err != nil {
			t.Fatalf("row %d: %v %v", i, err, it.Err)
		}
		want := g.Next()
		r := it.Record
		if r.GetShipmentId() != want.ID || r.GetVolumeCm3() != want.VolumeCM3 || r.GetTransactionAmount().GetAmountMinor() != want.TransactionAmount ||
			r.GetGoodsPrice().GetAmountMinor() != want.GoodsPrice || r.GetRateToBase() != want.RateToBase || !r.GetCompletedAt().AsTime().Equal(want.CompletedAt) {
			t.Fatalf("row %d = %v, want %+v", i, r, want)
		}
		if it.Line != i+2 {
			t.Fatalf("row %d on line %d", i, it.Line)
		}
	}
	if src.Progress() != 1 {
		t.Errorf("progress at the end = %v", src.Progress())
	}
}

// importServer answers ImportShipments the way the service does for what
// the test needs: duplicates by id, negative freight refused.
type importServer struct {
	freightv1.UnimplementedFreightServiceServer
	mu      sync.Mutex
	seen    map[string]bool
	batches []int
	tokens  []string
	fail    int // answer Unavailable this many times first
}

func (s *importServer) ImportShipments(ctx context.Context, req *freightv1.ImportShipmentsRequest) (*freightv1.ImportShipmentsResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return nil, status.Error(codes.Unavailable, "starting")
	}
	md, _ := metadata.FromIncomingContext(ctx)
	s.tokens = append(s.tokens, strings.Join(md.Get("authorization"), ""))
	s.batches = append(s.batches, len(req.GetRecords()))
	resp := &freightv1.ImportShipmentsResponse{}
	for i, r := range req.GetRecords() {
		switch {
		case r.GetTransactionAmount().GetAmountMinor() < r.GetGoodsPrice().GetAmountMinor():
			resp.Rejected = append(resp.Rejected, &freightv1.RowError{Index: int64(i), ShipmentId: r.GetShipmentId(), Reason: "negative freight"})
		case s.seen[r.GetShipmentId()]:
			resp.Duplicates++
		default:
			s.seen[r.GetShipmentId()] = true
			resp.Imported++
		}
	}
	return resp, nil
}

// serveImports serves srv on loopback and returns a connection to it.
func serveImports(t *testing.T, srv *importServer) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	freightv1.RegisterFreightServiceServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestImporter(t *testing.T) {
	srv := &importServer{seen: map[string]bool{}, fail: 1}
	conn := serveImports(t, srv)

	file := header +
		"a,CN,CN-GD,US,US-CA,1000,2000,USD,50.00,60.00,50.00,2026-05-01T10:00:00Z,\n" +
		"b,CN,CN-GD,US,US-CA,1000,2000,USD,50.00,49.00,50.00,2026-05-01T10:00:00Z,\n" + // negative freight
		"c,CN,CN-GD,US,US-CA,big,2000,USD,50.00,60.00,50.00,2026-05-01T10:00:00Z,\n" + // unreadable
		"a,CN,CN-GD,US,US-CA,1000,2000,USD,50.00,60.00,50.00,2026-05-01T10:00:00Z,\n" + // duplicate
		"d,CN,CN-GD,US,US-CA,1000,2000,USD,50.00,60.00,50.00,2026-05-01T10:00:00Z,\n"
	src, err := freight.NewCSVSource(strings.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var report, progress bytes.Buffer
	im := &freight.Importer{
		Client: freightv1.NewFreightServiceClient(conn), Batch: 2, Errors: &report,
		Token:    func(context.Context) (string, error) { return "tok", nil },
		Progress: freight.NewProgress(&progress, false), Retries: 2, RetryDelay: time.Millisecond,
	}
	sum, err := im.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if sum != (freight.Summary{Rows: 5, Imported: 2, Duplicates: 1, Rejected: 2}) {
		t.Errorf("summary = %+v", sum)
	}
	// Four readable rows in batches of two; the first call was retried.
	if len(srv.batches) != 2 || srv.batches[0] != 2 || srv.batches[1] != 2 || srv.tokens[0] != "Bearer tok" {
		t.Errorf("batches %v tokens %v", srv.batches, srv.tokens)
	}
	rows, err := csv.NewReader(&report).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"line", "shipment_id", "reason"}, {"3", "b", "negative freight"}, {"4", "c", `volume_cm3: "big" is not a whole number`}}
	if len(rows) != len(want) {
		t.Fatalf("report = %q", rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("report row %d = %q, want %q", i, rows[i], want[i])
		}
	}
	if !strings.Contains(progress.String(), "5 rows (100%): 2 imported, 1 duplicates, 2 rejected") {
		t.Errorf("progress = %q", progress.String())
	}
}

// The refused rows counted before an import stops are in its report: a
// batch the service keeps refusing ends the import, and the unreadable row
// read before it is reported. Before, the report was written only after a
// batch went through, and was empty here.
func TestReportKeepsRefusedRowsWhenTheImportStops(t *testing.T) {
	srv := &importServer{seen: map[string]bool{}, fail: 100}
	conn := serveImports(t, srv)
	file := header +
		"c,CN,CN-GD,US,US-CA,big,2000,USD,50.00,60.00,50.00,2026-05-01T10:00:00Z,\n" + // unreadable
		"a,CN,CN-GD,US,US-CA,1000,2000,USD,50.00,60.00,50.00,2026-05-01T10:00:00Z,\n" +
		"d,CN,CN-GD,US,US-CA,1000,2000,USD,50.00,60.00,50.00,2026-05-01T10:00:00Z,\n"
	src, err := freight.NewCSVSource(strings.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	im := &freight.Importer{Client: freightv1.NewFreightServiceClient(conn), Batch: 2, Errors: &report,
		Token: func(context.Context) (string, error) { return "tok", nil }, RetryDelay: time.Millisecond}
	sum, err := im.Run(context.Background(), src)
	if status.Code(err) != codes.Unavailable || sum.Rejected != 1 {
		t.Fatalf("Run = %+v, %v; want the batch refused after one rejected row", sum, err)
	}
	rows, err := csv.NewReader(&report).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "2" || rows[1][1] != "c" {
		t.Errorf("report = %q, %v; want its header and row 2", rows, err)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := freight.NewProgress(&buf, true)
	p.Update(0.5, freight.Summary{Rows: 10, Imported: 9, Rejected: 1})
	p.Done(freight.Summary{Rows: 20, Imported: 19, Rejected: 1})
	out := buf.String()
	if !strings.HasPrefix(out, "\r[===============               ]  50%  10 rows  9 imported") ||
		!strings.Contains(out, "\r[==============================] 100%  20 rows") || !strings.HasSuffix(out, "\n") {
		t.Errorf("bar = %q", out)
	}
}

// A row with a stray or unclosed quote in its first field is reported on
// its line and the rows after it are read on. Before, reading its position
// panicked (the CSV reader records none for a field it could not parse) and
// the whole import stopped.
func TestAMalformedFirstFieldIsReportedNotFatal(t *testing.T) {
	var buf bytes.Buffer
	if err := freight.WriteCSV(&buf, synth.New(synth.Options{Seed: 3, End: time.Date(2026, 11, 26, 19, 15, 5, 0, time.UTC)}), 2); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(buf.String(), "\n")
	bad := `SH"001` + lines[1][strings.Index(lines[1], ","):]
	src, err := freight.NewCSVSource(strings.NewReader(lines[0]+bad+lines[2]), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	first, err := src.Next()
	if err != nil || first.Err == nil || first.Line != 2 {
		t.Fatalf("the malformed row: %+v, %v; want its error on line 2", first, err)
	}
	second, err := src.Next()
	if err != nil || second.Err != nil || second.Line != 3 {
		t.Fatalf("the row after it: %+v, %v; want read on line 3", second, err)
	}
}
