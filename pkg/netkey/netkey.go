// Package netkey names the client an address belongs to, for limits and
// throttles that count per client.
package netkey

import "net/netip"

// Client is the key a client address is counted by: an IPv4 address
// itself, an IPv6 address its /64, since one client holds a whole /64 and
// could use a new address of it for every request. Anything not an address
// is its own key.
func Client(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Unmap().Is4() {
		return addr
	}
	p, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}
