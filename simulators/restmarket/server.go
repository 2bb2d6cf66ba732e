package restmarket

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

// maxForm bounds a call's form; an item with its description and images is
// a few kilobytes.
const maxForm = 1 << 20

// method answers one API method from its parameters: the object to wrap in
// "<method>_response", or an error.
type method func(s *server, params url.Values) (any, *apiError)

// methods are the API, by name.
var methods = map[string]method{
	"seller.get":                 sellerGet,
	"item.upsert":                itemUpsert,
	"item.delete":                itemDelete,
	"items.status.get":           itemsStatusGet,
	"trades.sold.increment.get":  tradesSoldIncrementGet,
	"trade.get":                  tradeGet,
	"logistics.offline.send":     logisticsOfflineSend,
	"settlement.bills.get":       settlementBillsGet,
	"settlement.withdrawals.get": settlementWithdrawalsGet,
}

type server struct {
	cfg    Config
	market *partnersim.Market
}

// New returns the open platform's HTTP handler: POST /router/rest for the
// API and GET /healthz (never faulted) for probes.
func New(cfg Config) (http.Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, market: cfg.Market}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /router/rest", s.router)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, &apiError{status: http.StatusNotFound, Code: codeInvalidMethod,
			Msg: "no such route: the API is POST /router/rest", SubCode: "isv.route-not-exist"})
	})
	return mux, nil
}

// router runs one call: the injected faults first, then the common
// parameters (app key, timestamp, signature), then the method; the
// timeout fault hangs after the method did its work.
func (s *server) router(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		writeError(w, invalid("body", "is not a form"))
		return
	}
	if err := s.market.Fault(); err != nil {
		writeFault(w, err)
		return
	}
	params := r.PostForm
	m, e := s.authenticate(params)
	if e != nil {
		writeError(w, e)
		return
	}
	res, e := m(s, params)
	if s.market.Delay(r.Context()) != nil {
		return // the caller gave up: nothing reaches it
	}
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{strings.ReplaceAll(params.Get("method"), ".", "_") + "_response": res})
}

// authenticate checks the common parameters and returns the method asked.
func (s *server) authenticate(params url.Values) (method, *apiError) {
	for name, v := range params {
		if len(v) > 1 {
			return nil, invalid(name, "is given more than once")
		}
	}
	for _, p := range []struct {
		name string
		code int
	}{{"method", codeMissingMethod}, {"app_key", codeMissingAppKey}, {"timestamp", codeMissingTimestamp},
		{"sign", codeMissingSignature}, {"sign_method", codeMissingArgument}} {
		if params.Get(p.name) == "" {
			return nil, platformError(p.code, "Missing "+p.name, "isv.missing-parameter:"+p.name)
		}
	}
	if params.Get("app_key") != s.cfg.AppKey {
		return nil, platformError(codeInvalidAppKey, "Invalid app Key", "isv.appkey-not-exists")
	}
	if params.Get("sign_method") != "hmac-sha256" {
		return nil, invalid("sign_method", "must be hmac-sha256")
	}
	ms, err := strconv.ParseInt(params.Get("timestamp"), 10, 64)
	if err != nil {
		return nil, platformError(codeInvalidTimestamp, "Invalid timestamp: Unix milliseconds expected", "isv.invalid-timestamp")
	}
	if skew := s.cfg.Now().Sub(time.UnixMilli(ms)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return nil, platformError(codeInvalidTimestamp, "Invalid timestamp: more than 5 minutes off", "isv.invalid-timestamp")
	}
	if !signed(params, s.cfg.AppSecret) {
		return nil, platformError(codeInvalidSignature, "Invalid signature", "isv.invalid-signature")
	}
	m, ok := methods[params.Get("method")]
	if !ok {
		return nil, platformError(codeInvalidMethod, "Invalid method", "isv.method-not-exists")
	}
	return m, nil
}

// writeFault answers an injected fault: 429 with Retry-After in whole
// seconds (at least one), or 503.
func writeFault(w http.ResponseWriter, err error) {
	var f *partnersim.FaultError
	if errors.As(err, &f) && f.Kind == partnersim.FaultRateLimited {
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
		writeError(w, &apiError{status: http.StatusTooManyRequests, Code: codeCallLimited,
			Msg: "App Call Limited", SubCode: "accesscontrol.limited-by-app-access-count"})
		return
	}
	writeError(w, &apiError{status: http.StatusServiceUnavailable, Code: codeUnavailable,
		Msg: "Service Currently Unavailable", SubCode: "isp.service-unavailable"})
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, map[string]any{"error_response": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
