package restmarket_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/partnersim"
	"github.com/crossdock/crossdock/simulators/restmarket"
)

const (
	appKey    = "ak_test"
	appSecret = "as_test_secret"
)

// start serves a platform over market on a loopback port.
func start(t *testing.T, market *partnersim.Market) string {
	t.Helper()
	h, err := restmarket.New(restmarket.Config{AppKey: appKey, AppSecret: appSecret, SellerID: "seller-1", Market: market})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// signedForm is a call's form with the common parameters, signed.
func signedForm(method string, params url.Values, secret string, at time.Time) url.Values {
	form := url.Values{"method": {method}, "app_key": {appKey}, "sign_method": {"hmac-sha256"},
		"timestamp": {strconv.FormatInt(at.UnixMilli(), 10)}}
	for k, v := range params {
		form[k] = v
	}
	form.Set("sign", restmarket.Sign(form, secret))
	return form
}

// post sends form and returns the HTTP status, the header and the body
// decoded.
func post(t *testing.T, base string, form url.Values) (int, http.Header, map[string]json.RawMessage) {
	t.Helper()
	res, err := http.PostForm(base+"/router/rest", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var body map[string]json.RawMessage
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("answer %q: %v", b, err)
	}
	return res.StatusCode, res.Header, body
}

type errorBody struct {
	Code    int    `json:"code"`
	SubCode string `json:"sub_code"`
}

func errorOf(t *testing.T, body map[string]json.RawMessage) errorBody {
	t.Helper()
	raw, ok := body["error_response"]
	if !ok {
		return errorBody{}
	}
	var e errorBody
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// Only calls from the holder of the app secret, made now, with exactly the
// parameters signed, are served.
func TestSignature(t *testing.T) {
	base := start(t, partnersim.NewMarket(partnersim.MarketConfig{}))
	nonce := url.Values{"nonce": {"abc"}}
	now := time.Now()
	tampered := signedForm("seller.get", nonce, appSecret, now)
	tampered.Set("nonce", "abd")
	otherKey := signedForm("seller.get", nonce, appSecret, now)
	otherKey.Set("app_key", "ak_other")
	otherKey.Set("sign", restmarket.Sign(otherKey, appSecret))
	lowerCase := signedForm("seller.get", nonce, appSecret, now)
	lowerCase.Set("sign", strings.ToLower(lowerCase.Get("sign")))
	noSign := signedForm("seller.get", nonce, appSecret, now)
	noSign.Del("sign")
	tests := []struct {
		name string
		form url.Values
		code int
		sub  string
	}{
		{"signed", signedForm("seller.get", nonce, appSecret, now), 0, ""},
		{"lower-case hex", lowerCase, 0, ""},
		{"timestamp 4 minutes old", signedForm("seller.get", nonce, appSecret, now.Add(-4*time.Minute)), 0, ""},
		{"wrong secret", signedForm("seller.get", nonce, "as_wrong", now), 25, "isv.invalid-signature"},
		{"tampered parameter", tampered, 25, "isv.invalid-signature"},
		{"stale timestamp", signedForm("seller.get", nonce, appSecret, now.Add(-6*time.Minute)), 31, "isv.invalid-timestamp"},
		{"timestamp in the future", signedForm("seller.get", nonce, appSecret, now.Add(6*time.Minute)), 31, "isv.invalid-timestamp"},
		{"unknown app key", otherKey, 29, "isv.appkey-not-exists"},
		{"no signature", noSign, 24, "isv.missing-parameter:sign"},
		{"unknown method", signedForm("item.fly", nil, appSecret, now), 22, "isv.method-not-exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := post(t, base, tt.form)
			if status != http.StatusOK {
				t.Errorf("HTTP %d, want 200 (errors ride in the body)", status)
			}
			if e := errorOf(t, body); e.Code != tt.code || e.SubCode != tt.sub {
				t.Fatalf("error %+v, want code %d %s", e, tt.code, tt.sub)
			}
			if tt.code == 0 {
				var a struct{ SellerID, NonceSign string }
				raw := body["seller_get_response"]
				if err := json.Unmarshal(raw, &struct {
					SellerID  *string `json:"seller_id"`
					NonceSign *string `json:"nonce_sign"`
				}{&a.SellerID, &a.NonceSign}); err != nil || a.SellerID != "seller-1" ||
					a.NonceSign != restmarket.NonceSign(appSecret, "abc") {
					t.Errorf("seller_get_response = %s", raw)
				}
			}
		})
	}
}

// Injected faults answer as a busy platform does: 429 with Retry-After in
// whole seconds, or 503; health never fails.
func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		faults     partnersim.Faults
		status     int
		retryAfter string
		code       int
	}{
		{"rate limit", partnersim.Faults{RateLimit: 1, RetryAfter: 1500 * time.Millisecond}, http.StatusTooManyRequests, "2", 7},
		{"server error", partnersim.Faults{ServerError: 1}, http.StatusServiceUnavailable, "", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := start(t, partnersim.NewMarket(partnersim.MarketConfig{Faults: tt.faults}))
			status, header, body := post(t, base, signedForm("seller.get", url.Values{"nonce": {"n"}}, appSecret, time.Now()))
			if status != tt.status || header.Get("Retry-After") != tt.retryAfter || errorOf(t, body).Code != tt.code {
				t.Errorf("HTTP %d, Retry-After %q, %v; want %d, %q, code %d", status, header.Get("Retry-After"),
					errorOf(t, body), tt.status, tt.retryAfter, tt.code)
			}
			res, err := http.Get(base + "/healthz")
			if err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("healthz = %v, %v", res, err)
			}
		})
	}
}

// Withdrawals are the market's payouts in the window, in major units and
// UTC+8 wall clock, a page at a time.
func TestSettlementWithdrawalsGet(t *testing.T) {
	paidAt := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	market := partnersim.NewMarket(partnersim.MarketConfig{Now: func() time.Time { return paidAt }})
	if _, err := market.UpsertListing(partnersim.ListingInput{Marker: "crossdock:sku-1", SKUID: "sku-1", Title: "Teapot",
		Currency: "USD", PriceMinor: 1999, Stock: 10}); err != nil {
		t.Fatal(err)
	}
	for _, waybill := range []string{"WB1", "WB2"} {
		o, err := market.PlaceOrder("anna", partnersim.Address{CountryCode: "DE"}, []partnersim.ItemInput{{Marker: "crossdock:sku-1", Quantity: 1}}, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := market.ConfirmShipment(o.OrderID, nil, "dhl", waybill); err != nil {
			t.Fatal(err)
		}
		if made := market.PayOut(); len(made) != 1 {
			t.Fatalf("payouts %+v", made)
		}
	}
	base := start(t, market)
	type page struct {
		Total       int  `json:"total_results"`
		HasNext     bool `json:"has_next"`
		Withdrawals []struct {
			WithdrawID string `json:"withdraw_id"`
			Amount     string `json:"amount"`
			Currency   string `json:"currency"`
			PayTime    string `json:"pay_time"`
		} `json:"withdrawals"`
	}
	tests := []struct {
		name       string
		start, end string
		pageNo     string
		wantIDs    int
		wantNext   bool
	}{
		{"the first page", "2026-03-02 17:00:00", "2026-03-02 17:00:01", "1", 1, true},
		{"the last page", "2026-03-02 17:00:00", "2026-03-02 17:00:01", "2", 1, false},
		{"the end is open", "2026-03-02 16:00:00", "2026-03-02 17:00:00", "1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, body := post(t, base, signedForm("settlement.withdrawals.get", url.Values{"start_time": {tt.start},
				"end_time": {tt.end}, "page_no": {tt.pageNo}, "page_size": {"1"}}, appSecret, time.Now()))
			var p page
			if err := json.Unmarshal(body["settlement_withdrawals_get_response"], &p); err != nil {
				t.Fatalf("%v: %v", body, err)
			}
			if len(p.Withdrawals) != tt.wantIDs || p.HasNext != tt.wantNext {
				t.Fatalf("page %+v", p)
			}
			if tt.wantIDs == 1 {
				w := p.Withdrawals[0]
				if p.Total != 2 || w.Amount != "19.99" || w.Currency != "USD" || w.PayTime != "2026-03-02 17:00:00" || w.WithdrawID == "" {
					t.Errorf("withdrawal %+v of %d", w, p.Total)
				}
			}
		})
	}
}
