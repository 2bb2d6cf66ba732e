package e2e

import (
	"encoding/csv"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"
)

// salesKey is what the sales figures of a test's own supplier are compared
// by: the days they fall on are left out, so a test running over midnight
// (UTC) compares the same sums.
type salesKey struct{ product, channel, currency string }

// salesFigures are units and minor units added up over days.
type salesFigures struct{ sold, refunded, gross, refunds, net int64 }

// salesByKey adds up rows of the sales figures (as GET /v1/sales lists
// them) by product, channel and currency, checking each row's net.
func salesByKey(t *testing.T, rows []map[string]any) map[salesKey]salesFigures {
	t.Helper()
	out := map[salesKey]salesFigures{}
	for _, r := range rows {
		k := salesKey{fmt.Sprint(r["productId"]), fmt.Sprint(r["channel"]), fmt.Sprint(r["currency"])}
		f := out[k]
		f.sold += minor(r, "unitsSold")
		f.refunded += minor(r, "unitsRefunded")
		f.gross += minor(r, "gross", "amountMinor")
		f.refunds += minor(r, "refunds", "amountMinor")
		f.net += minor(r, "net", "amountMinor")
		if minor(r, "net", "amountMinor") != minor(r, "gross", "amountMinor")-minor(r, "refunds", "amountMinor") {
			t.Errorf("a sales row whose net is not gross − refunds: %v", r)
		}
		out[k] = f
	}
	return out
}

// requireSales waits until the sales figures of a test's own supplier (fed
// asynchronously by the order events) are exactly want (net is filled in
// as gross − refunds), then checks that an admin reads the same for that
// supplier and that the CSV export holds the same figures.
func requireSales(t *testing.T, c *restClient, s seller, admin string, want map[salesKey]salesFigures) {
	t.Helper()
	for k, f := range want {
		f.net = f.gross - f.refunds
		want[k] = f
	}
	var got map[salesKey]salesFigures
	waitFor(t, s.name+"'s sales figures", time.Minute, func() (bool, string) {
		got = salesByKey(t, c.do("GET", "/v1/sales?page.page_size=100", s.Access, nil).must(t, 200, s.name+"'s sales").list("rows"))
		return maps.Equal(got, want), fmt.Sprintf("%v, want %v", got, want)
	})
	asAdmin := c.do("GET", "/v1/sales?page.page_size=100&supplierId="+s.OrgID, admin, nil).must(t, 200, s.name+"'s sales as an admin")
	if a := salesByKey(t, asAdmin.list("rows")); !maps.Equal(a, want) {
		t.Errorf("an admin reads %s's figures as %v, want %v", s.name, a, want)
	}
	export := c.do("GET", "/v1/sales:export", s.Access, nil).must(t, 200, s.name+"'s sales export")
	records, err := csv.NewReader(strings.NewReader(export.str("csv"))).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("the export is not CSV (%v): %s", err, export.Raw)
	}
	header := map[string]int{}
	for i, h := range records[0] {
		header[h] = i
	}
	fromCSV := map[salesKey]salesFigures{}
	for _, rec := range records[1:] {
		n := func(col string) int64 {
			v, err := strconv.ParseInt(rec[header[col]], 10, 64)
			if err != nil {
				t.Errorf("column %s of %v: %v", col, rec, err)
			}
			return v
		}
		if rec[header["supplier_id"]] != s.OrgID {
			t.Errorf("%s's export holds a row of supplier %s", s.name, rec[header["supplier_id"]])
		}
		k := salesKey{rec[header["product_id"]], rec[header["channel"]], rec[header["currency"]]}
		f := fromCSV[k]
		f.sold, f.refunded = f.sold+n("units_sold"), f.refunded+n("units_refunded")
		f.gross, f.refunds, f.net = f.gross+n("gross_minor"), f.refunds+n("refunds_minor"), f.net+n("net_minor")
		fromCSV[k] = f
	}
	if rows := int64(len(records) - 1); !maps.Equal(fromCSV, want) || minor(export.Body, "rowCount") != rows {
		t.Errorf("%s's export: %v in %d rows (rowCount %v), want %v", s.name, fromCSV, rows, export.Body["rowCount"], want)
	}
}
