package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Who may read the sales figures.
var (
	ErrSalesReaders = apperr.PermissionDenied("only members of a supplier organization (or its ERP) and operators read sales").
			WithReason("SUPPLIERS_ONLY")
	ErrOwnSalesOnly = apperr.PermissionDenied("a supplier reads its own sales only").WithReason("OWN_SALES_ONLY")
)

// MaxExportRows is the most rows one export holds (about 2 MB of CSV, well
// under gRPC's default 4 MB message): beyond it the caller narrows the dates
// rather than have the service build a file of any size.
const MaxExportRows = 10_000

// DayLayout is how a day is written: "2006-01-02", in UTC.
const DayLayout = time.DateOnly

// SalesQuery selects and groups the figures; zero fields select anything.
type SalesQuery struct {
	SupplierID, ProductID, SKUID uuid.UUID
	Channel                      string
	// From and To are the first and last day, inclusive (UTC midnight).
	From, To time.Time
	// BySKU gives one row per SKU instead of one per product.
	BySKU bool
}

// check refuses a range that ends before it starts.
func (q SalesQuery) check() error {
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return apperr.InvalidField("to_date", "must not be before from_date")
	}
	return nil
}

// SalesCursor is where a page of sales rows ends: the last row's sort key
// and the grouping it was read with, so a token is not used with another.
type SalesCursor struct {
	Day        time.Time `json:"d"`
	ProductID  uuid.UUID `json:"p"`
	SKUID      uuid.UUID `json:"s"`
	SupplierID uuid.UUID `json:"u"`
	Channel    string    `json:"c"`
	Currency   string    `json:"x"`
	BySKU      bool      `json:"k"`
}

// Valid tells a decoded cursor is one a page could end at.
func (c SalesCursor) Valid() bool {
	return !c.Day.IsZero() && c.ProductID != uuid.Nil && c.SupplierID != uuid.Nil && c.Currency != "" && c.BySKU == (c.SKUID != uuid.Nil)
}

func salesCursorOf(r domain.SalesRow) SalesCursor {
	return SalesCursor{Day: r.Day, ProductID: r.ProductID, SKUID: r.SKUID, SupplierID: r.SupplierID, Channel: r.Channel,
		Currency: r.Currency, BySKU: r.SKUID != uuid.Nil}
}

// readerScope narrows q to what the caller may read: a supplier's members
// their own supplier's figures, operators any supplier's (or all).
func readerScope(c auth.Caller, q *SalesQuery) error {
	if c.IsAdmin() {
		return nil
	}
	org, ok := c.SupplierOrg()
	switch {
	case !ok:
		return ErrSalesReaders
	case q.SupplierID != uuid.Nil && q.SupplierID != org:
		return ErrOwnSalesOnly
	}
	q.SupplierID = org
	return nil
}

// ListSales returns a page of the figures the caller may read, oldest day
// first, and the next page's token.
func (s *Sales) ListSales(ctx context.Context, c auth.Caller, q SalesQuery, size int, token string) ([]domain.SalesRow, string, error) {
	if err := readerScope(c, &q); err != nil {
		return nil, "", err
	}
	if err := q.check(); err != nil {
		return nil, "", err
	}
	limit, err := listLimits.Size(size)
	if err != nil {
		return nil, "", err
	}
	var after *SalesCursor
	if token != "" {
		after = &SalesCursor{}
		// Bound to the query (the supplier, product, SKU, channel and
		// dates): another's list would start at its place and skip rows.
		if err := paging.DecodeFor(token, q, after); err != nil {
			return nil, "", err
		}
		if after.BySKU != q.BySKU {
			return nil, "", paging.ErrBadToken
		}
	}
	rows, err := s.store.ListSales(ctx, q, after, limit+1)
	if err != nil || len(rows) <= limit {
		return rows, "", err
	}
	rows = rows[:limit]
	return rows, paging.EncodeFor(q, salesCursorOf(rows[limit-1])), nil
}

// ExportSales returns every row ListSales would list, as CSV (SalesCSV),
// with the number of rows.
func (s *Sales) ExportSales(ctx context.Context, c auth.Caller, q SalesQuery) ([]byte, int, error) {
	if err := readerScope(c, &q); err != nil {
		return nil, 0, err
	}
	if err := q.check(); err != nil {
		return nil, 0, err
	}
	rows, err := s.store.ListSales(ctx, q, nil, MaxExportRows+1)
	if err != nil {
		return nil, 0, err
	}
	if len(rows) > MaxExportRows {
		return nil, 0, apperr.FailedPrecondition("more than " + strconv.Itoa(MaxExportRows) + " rows: narrow the dates").
			WithReason("EXPORT_TOO_LARGE")
	}
	return SalesCSV(rows), len(rows), nil
}

// SalesCSVHeader names the export's columns: the amounts in the currency's
// major units ("12.34") for people and spreadsheets, then in minor units
// for programs that add them up exactly.
var SalesCSVHeader = []string{"day", "product_id", "sku_id", "supplier_id", "channel", "currency",
	"units_sold", "units_refunded", "gross", "refunds", "net", "gross_minor", "refunds_minor", "net_minor"}

// SalesCSV writes rows as CSV under SalesCSVHeader; a row grouped by
// product has an empty sku_id.
func SalesCSV(rows []domain.SalesRow) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(SalesCSVHeader) // a bytes.Buffer does not fail
	for _, r := range rows {
		sku := ""
		if r.SKUID != uuid.Nil {
			sku = r.SKUID.String()
		}
		_ = w.Write([]string{r.Day.Format(DayLayout), r.ProductID.String(), sku, r.SupplierID.String(), r.Channel, r.Currency,
			strconv.FormatInt(r.UnitsSold, 10), strconv.FormatInt(r.UnitsRefunded, 10),
			r.Gross().Decimal(), r.Refunds().Decimal(), r.Net().Decimal(),
			strconv.FormatInt(r.GrossMinor, 10), strconv.FormatInt(r.RefundsMinor, 10), strconv.FormatInt(r.NetMinor(), 10)})
	}
	w.Flush()
	return b.Bytes()
}
