package netkey_test

import (
	"testing"

	"github.com/crossdock/crossdock/pkg/netkey"
)

func TestClient(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "::ffff:203.0.113.7"}, // IPv4, as the peer gave it
		{"2001:db8:1:2::5", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not an address", "not an address"},
	} {
		if got := netkey.Client(c.addr); got != c.want {
			t.Errorf("Client(%q) = %q, want %q", c.addr, got, c.want)
		}
	}
}
