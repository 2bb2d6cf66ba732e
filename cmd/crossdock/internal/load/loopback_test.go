package load

import (
	"strings"
	"testing"
)

func TestLoopbackURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    string // the base URL kept, when accepted
		refused string // a fragment of the error, when refused
	}{
		{raw: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{raw: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080"},
		{raw: "http://127.9.8.7:18080/api/", want: "http://127.9.8.7:18080/api"},
		{raw: "http://localhost:8080", want: "http://localhost:8080"},
		{raw: "http://LOCALHOST:8080", want: "http://LOCALHOST:8080"},
		{raw: "https://[::1]:8443", want: "https://[::1]:8443"},
		{raw: "http://10.0.0.5:8080", refused: "10.0.0.5 is not a loopback address"},
		{raw: "http://0.0.0.0:8080", refused: "is not a loopback address"},
		{raw: "http://192.168.1.20", refused: "is not a loopback address"},
		{raw: "http://gateway.example.com", refused: "gateway.example.com is not a loopback address"},
		{raw: "http://localhost.example.com:8080", refused: "is not a loopback address"},
		{raw: "http://127.0.0.1.nip.io:8080", refused: "is not a loopback address"},
		{raw: "http://127.0.0.1@example.com/", refused: "user information"},
		{raw: "http://[2001:db8::1]:8080", refused: "is not a loopback address"},
		{raw: "ftp://127.0.0.1", refused: "want an http:// or https:// URL"},
		{raw: "127.0.0.1:8080", refused: "want an http:// or https:// URL"},
		{raw: "http://", refused: "no host"},
		{raw: "http://127.0.0.1:8080/?x=1", refused: "without query"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := LoopbackURL("-gateway", tt.raw)
			switch {
			case tt.refused != "" && err == nil:
				t.Fatalf("accepted as %s, want refused with %q", u, tt.refused)
			case tt.refused != "" && !strings.Contains(err.Error(), tt.refused):
				t.Fatalf("error %q lacks %q", err, tt.refused)
			case tt.refused != "" && !strings.HasPrefix(err.Error(), "-gateway "):
				t.Fatalf("error %q does not name the flag", err)
			case tt.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.refused == "" && u.String() != tt.want:
				t.Fatalf("kept %s, want %s", u, tt.want)
			}
		})
	}
}
