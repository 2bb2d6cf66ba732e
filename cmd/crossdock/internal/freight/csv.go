// Package freight is the `crossdock freight` tooling: it reads completed
// shipments from a CSV file (or generates them), sends them in batches to the
// freight estimator's ImportShipments, shows progress, and writes a report of
// the rows that were refused.
package freight

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/synth"
)

// Header is the CSV's first row. Amounts are in major units of currency as
// plain decimals ("12.34"); completed_at is RFC 3339; rate_to_base is 1 unit
// of currency in the platform base currency, required when currency is not the
// base currency.
var Header = []string{
	"shipment_id", "origin_country", "origin_region", "destination_country", "destination_region",
	"volume_cm3", "weight_g", "currency", "declared_value", "transaction_amount", "goods_price",
	"completed_at", "rate_to_base",
}

// CheckHeader accepts the expected header, ignoring case and spaces.
func CheckHeader(row []string) error {
	if len(row) != len(Header) {
		return fmt.Errorf("the header has %d columns, want %d: %s", len(row), len(Header), strings.Join(Header, ","))
	}
	for i, h := range Header {
		if !strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(row[i], "\ufeff")), h) {
			return fmt.Errorf("column %d is %q, want %q (header: %s)", i+1, row[i], h, strings.Join(Header, ","))
		}
	}
	return nil
}

// ParseRow turns one CSV row into a record. Errors name the column, so a row's
// problems can be fixed from the report alone.
func ParseRow(row []string) (*freightv1.ShipmentRecord, error) {
	if len(row) != len(Header) {
		return nil, fmt.Errorf("has %d columns, want %d", len(row), len(Header))
	}
	col := func(i int) string { return strings.TrimSpace(row[i]) }
	var errs []error
	integer := func(i int) int64 {
		n, err := strconv.ParseInt(col(i), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a whole number", Header[i], col(i)))
		}
		return n
	}
	currency := strings.ToUpper(col(7))
	amount := func(i int) *commonv1.Money {
		m, err := money.Parse(col(i), currency)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not an amount of %s", Header[i], col(i), currency))
		}
		return &commonv1.Money{CurrencyCode: currency, AmountMinor: m.Amount}
	}
	rec := &freightv1.ShipmentRecord{
		ShipmentId: col(0),
		Route: &commonv1.Route{
			OriginCountryCode: col(1), OriginRegionCode: col(2),
			DestinationCountryCode: col(3), DestinationRegionCode: col(4),
		},
		VolumeCm3:  integer(5),
		WeightG:    integer(6),
		RateToBase: col(12),
	}
	if !money.ValidCurrency(currency) {
		errs = append(errs, fmt.Errorf("currency: %q is not an ISO 4217 code", col(7)))
	} else {
		rec.DeclaredValue, rec.TransactionAmount, rec.GoodsPrice = amount(8), amount(9), amount(10)
	}
	at, err := time.Parse(time.RFC3339Nano, col(11))
	if err != nil {
		errs = append(errs, fmt.Errorf("completed_at: %q is not an RFC 3339 time such as 2026-05-01T10:00:00Z", col(11)))
	} else {
		rec.CompletedAt = timestamppb.New(at)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rec, nil
}

// Row writes a generated shipment as a CSV row.
func Row(s synth.Shipment) []string {
	amount := func(minor int64) string {
		m, err := money.New(minor, s.Currency)
		if err != nil {
			return strconv.FormatInt(minor, 10)
		}
		return m.Decimal()
	}
	return []string{
		s.ID, s.Origin.Country, s.Origin.Region, s.Destination.Country, s.Destination.Region,
		strconv.FormatInt(s.VolumeCM3, 10), strconv.FormatInt(s.WeightG, 10), s.Currency,
		amount(s.DeclaredValue), amount(s.TransactionAmount), amount(s.GoodsPrice),
		s.CompletedAt.UTC().Format(time.RFC3339), s.RateToBase,
	}
}

// WriteCSV writes n shipments of g, header first.
func WriteCSV(w io.Writer, g *synth.Generator, n int) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for range n {
		if err := cw.Write(Row(g.Next())); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
