package config_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
)

// ServerPart is embedded as services embed the kit's config.
type ServerPart struct {
	GRPCAddr        string        `env:"GRPC_ADDR" envDefault:":9090"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"15s"`
}

type peer struct {
	Addr    string        `env:"ADDR,required"`
	Timeout time.Duration `env:"TIMEOUT" envDefault:"2s"`
}

type full struct {
	ServerPart
	DatabaseURL string          `env:"DATABASE_URL,required" secret:"true"`
	Debug       bool            `env:"DEBUG"`
	Workers     int             `env:"WORKERS" envDefault:"4"`
	MaxBytes    int64           `env:"MAX_BYTES" envDefault:"1048576"`
	Ratio       float64         `env:"RATIO" envDefault:"0.5"`
	Port        uint16          `env:"PORT" envDefault:"8000"`
	Origins     []string        `env:"CORS_ALLOWED_ORIGINS"`
	Backoff     []time.Duration `env:"BACKOFF" envDefault:"1s,5s"`
	Bind        netip.Addr      `env:"BIND" envDefault:"127.0.0.1"`
	Orders      peer            `envPrefix:"ORDERS_"`
	Finance     *peer           `env:",init" envPrefix:"FINANCE_"`
	Ignored     string
	//lint:ignore U1000 never read: it is here to show the loader leaves unexported fields alone
	unexported string `env:"UNEXPORTED"`
}

func TestLoadFrom(t *testing.T) {
	vars := map[string]string{
		"DATABASE_URL":         "postgres://orders:s3cret@db:5432/orders",
		"DEBUG":                "true",
		"WORKERS":              "8",
		"SHUTDOWN_TIMEOUT":     "30s",
		"CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example,,",
		"ORDERS_ADDR":          "orders:9090",
		"FINANCE_ADDR":         "finance:9090",
		"FINANCE_TIMEOUT":      "500ms",
		"RATIO":                "",  // empty counts as unset: the default applies
		"UNEXPORTED":           "x", // unexported fields are never touched
		"Ignored":              "x", // fields without env tags are not variables
	}
	var got full
	if err := config.LoadFrom(&got, vars); err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	want := full{
		ServerPart:  ServerPart{GRPCAddr: ":9090", ShutdownTimeout: 30 * time.Second},
		DatabaseURL: "postgres://orders:s3cret@db:5432/orders",
		Debug:       true,
		Workers:     8,
		MaxBytes:    1 << 20,
		Ratio:       0.5,
		Port:        8000,
		Origins:     []string{"https://a.example", "https://b.example"},
		Backoff:     []time.Duration{time.Second, 5 * time.Second},
		Bind:        netip.MustParseAddr("127.0.0.1"),
		Orders:      peer{Addr: "orders:9090", Timeout: 2 * time.Second},
		Finance:     &peer{Addr: "finance:9090", Timeout: 500 * time.Millisecond},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LoadFrom =\n%+v\nwant\n%+v", got, want)
	}
}

func TestLoadFromErrors(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		wantVars []string // every variable that must be named
		hidden   []string // text that must not appear in the message
	}{
		{
			name:     "missing required everywhere",
			vars:     map[string]string{},
			wantVars: []string{"DATABASE_URL", "ORDERS_ADDR", "FINANCE_ADDR"},
		},
		{
			name: "bad values all reported",
			vars: map[string]string{
				"DATABASE_URL": "postgres://x", "ORDERS_ADDR": "o", "FINANCE_ADDR": "f",
				"WORKERS": "many", "DEBUG": "yes please", "SHUTDOWN_TIMEOUT": "15",
				"PORT": "70000", "BACKOFF": "1s,soon", "BIND": "not-an-ip", "MAX_BYTES": "1.5",
			},
			wantVars: []string{"WORKERS", "DEBUG", "SHUTDOWN_TIMEOUT", "PORT", "BACKOFF", "BIND", "MAX_BYTES"},
		},
		{
			name:     "required but empty",
			vars:     map[string]string{"DATABASE_URL": "", "ORDERS_ADDR": "o", "FINANCE_ADDR": "f"},
			wantVars: []string{"DATABASE_URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg full
			err := config.LoadFrom(&cfg, tt.vars)
			if err == nil {
				t.Fatal("LoadFrom succeeded")
			}
			for _, name := range tt.wantVars {
				if !strings.Contains(err.Error(), "config: "+name+":") {
					t.Errorf("error does not name %s:\n%v", name, err)
				}
			}
			if n := strings.Count(err.Error(), "config: "); n != len(tt.wantVars) {
				t.Errorf("error lists %d problems, want %d:\n%v", n, len(tt.wantVars), err)
			}
		})
	}
}

func TestSecretNeverInErrors(t *testing.T) {
	var cfg struct {
		Token int `env:"API_TOKEN" secret:"true"`
		Plain int `env:"PLAIN"`
	}
	err := config.LoadFrom(&cfg, map[string]string{"API_TOKEN": "hunter2", "PLAIN": "seven"})
	var ve *config.VarError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a VarError", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the secret: %v", err)
	}
	if !strings.Contains(err.Error(), `"seven"`) {
		t.Errorf("error hides a non-secret value that would help: %v", err)
	}
}

func TestRequiredIsErrRequired(t *testing.T) {
	var cfg struct {
		URL string `env:"URL,required"`
	}
	err := config.LoadFrom(&cfg, nil)
	var ve *config.VarError
	if !errors.Is(err, config.ErrRequired) || !errors.As(err, &ve) || ve.Name != "URL" {
		t.Fatalf("error = %v, want VarError{URL, ErrRequired}", err)
	}
}

func TestInvalidDefaultAndUnsupportedType(t *testing.T) {
	var bad struct {
		N int        `env:"N" envDefault:"ten"`
		M complex128 `env:"M" envDefault:"1+2i"`
	}
	err := config.LoadFrom(&bad, nil)
	if err == nil || !strings.Contains(err.Error(), `config: N: invalid default "ten"`) ||
		!strings.Contains(err.Error(), "unsupported type complex128") {
		t.Fatalf("error = %v", err)
	}
}

func TestLoadFromRejectsNonPointer(t *testing.T) {
	var cfg full
	for _, dst := range []any{cfg, nil, (*full)(nil), new(int)} {
		if err := config.LoadFrom(dst, nil); err == nil {
			t.Errorf("LoadFrom(%T) succeeded", dst)
		}
	}
}

// PortRange is exported so it can be embedded: unexported embedded structs
// are not set by the env library.
type PortRange struct {
	Low  int `env:"LOW" envDefault:"1"`
	High int `env:"HIGH" envDefault:"10"`
}

func (p PortRange) Validate() error {
	if p.Low > p.High {
		return fmt.Errorf("LOW %d above HIGH %d", p.Low, p.High)
	}
	return nil
}

type withValidation struct {
	Ports PortRange `envPrefix:"PORTS_"`
	Mode  string    `env:"MODE" envDefault:"a"`
}

func (w *withValidation) Validate() error {
	if w.Mode != "a" && w.Mode != "b" {
		return errors.New("MODE must be a or b")
	}
	return nil
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		wantErr []string
	}{
		{name: "valid", vars: nil},
		{name: "nested invalid", vars: map[string]string{"PORTS_LOW": "20"}, wantErr: []string{"LOW 20 above HIGH 10"}},
		{name: "top invalid", vars: map[string]string{"MODE": "c"}, wantErr: []string{"MODE must be a or b"}},
		{name: "both invalid", vars: map[string]string{"MODE": "c", "PORTS_HIGH": "0"}, wantErr: []string{"MODE must be a or b", "LOW 1 above HIGH 0"}},
		{name: "parse errors come first", vars: map[string]string{"MODE": "c", "PORTS_HIGH": "x"}, wantErr: []string{"PORTS_HIGH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg withValidation
			err := config.LoadFrom(&cfg, tt.vars)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("LoadFrom: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("LoadFrom succeeded")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if n := strings.Count(err.Error(), "config: "); n != len(tt.wantErr) {
				t.Errorf("error lists %d problems, want %d: %v", n, len(tt.wantErr), err)
			}
		})
	}
}

func TestRedacted(t *testing.T) {
	type cfg struct {
		DatabaseURL string        `env:"DATABASE_URL" secret:"true"`
		NoPassword  string        `env:"NO_PASSWORD_URL" secret:"true"`
		QueryPass   string        `env:"QUERY_URL" secret:"true"`
		Webhook     string        `env:"WEBHOOK_URL" secret:"true"`
		APIKey      string        `env:"API_KEY" secret:"true"`
		DSN         string        `env:"DSN" secret:"true"`
		Unset       string        `env:"UNSET_SECRET" secret:"true"`
		NATSURL     string        `env:"NATS_URL"`
		NATSCreds   string        `env:"NATS_CREDS_URL"`
		Timeout     time.Duration `env:"SHUTDOWN_TIMEOUT"`
		Origins     []string      `env:"CORS_ALLOWED_ORIGINS"`
		Bind        netip.Addr    `env:"BIND"`
		Peer        peer          `envPrefix:"ORDERS_"`
	}
	c := cfg{
		DatabaseURL: "postgres://orders:s3cret@db:5432/orders?sslmode=disable",
		NoPassword:  "postgres://orders@db/orders",
		QueryPass:   "postgres://orders@db/orders?password=s3cret&sslmode=require",
		Webhook:     "https://hooks.example.com/services/T0/B0/s3cret",
		APIKey:      "s3cret",
		DSN:         "host=db user=orders password=s3cret",
		NATSURL:     "nats://127.0.0.1:4222",
		NATSCreds:   "nats://svc:s3cret@nats:4222",
		Timeout:     15 * time.Second,
		Origins:     []string{"https://a.example", "https://b.example"},
		Bind:        netip.MustParseAddr("::1"),
		Peer:        peer{Addr: "orders:9090", Timeout: time.Second},
	}
	want := map[string]string{
		"DATABASE_URL":         "postgres://orders:xxxxx@db:5432/orders?sslmode=disable",
		"NO_PASSWORD_URL":      "postgres://orders@db/orders",
		"QUERY_URL":            "postgres://orders@db/orders?password=xxxxx&sslmode=require",
		"WEBHOOK_URL":          "***",
		"API_KEY":              "***",
		"DSN":                  "***",
		"UNSET_SECRET":         "",
		"NATS_URL":             "nats://127.0.0.1:4222",
		"NATS_CREDS_URL":       "nats://svc:xxxxx@nats:4222",
		"SHUTDOWN_TIMEOUT":     "15s",
		"CORS_ALLOWED_ORIGINS": "https://a.example,https://b.example",
		"BIND":                 "::1",
		"ORDERS_ADDR":          "orders:9090",
		"ORDERS_TIMEOUT":       "1s",
	}
	for _, in := range []any{c, &c} {
		got := config.Redacted(in)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Redacted(%T) =\n%v\nwant\n%v", in, got, want)
		}
	}

	attrs := config.Attrs(&c)
	if len(attrs) != len(want) || attrs[0].Key != "DATABASE_URL" || attrs[len(attrs)-1].Key != "ORDERS_TIMEOUT" {
		t.Errorf("Attrs not in declaration order: %v", attrs)
	}
	if s := config.LogValue(c).String(); strings.Contains(s, "s3cret") {
		t.Errorf("LogValue leaks a secret: %s", s)
	}
	if v := config.LogValue(c); v.Kind() != slog.KindGroup {
		t.Errorf("LogValue kind = %v, want group", v.Kind())
	}
}

type embeddedRange struct {
	PortRange
	Name string `env:"NAME" envDefault:"x"`
}

func TestEmbeddedValidateRunsOnce(t *testing.T) {
	var cfg embeddedRange
	err := config.LoadFrom(&cfg, map[string]string{"LOW": "5", "HIGH": "4"})
	if err == nil || strings.Count(err.Error(), "LOW 5 above HIGH 4") != 1 {
		t.Fatalf("error = %v, want the embedded rule reported exactly once", err)
	}
}
