package load

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// LoopbackURL parses the base URL of a local endpoint and refuses any host
// that is not a loopback address: the generator signs up accounts, tops up
// wallets and restocks suppliers, which must never reach someone else's
// system by a typo. Names other than "localhost" are refused rather than
// resolved, because a name's addresses can change between this check and the
// dial. flag names the flag in the error.
func LoopbackURL(flag, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %q: want an http:// or https:// URL such as http://127.0.0.1:8080 (%w)", flag, raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s %q: want an http:// or https:// URL", flag, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s %q: a URL with user information is refused", flag, raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("%s %q: no host", flag, raw)
	}
	if !isLoopbackHost(host) {
		return nil, fmt.Errorf("%s %q: %s is not a loopback address; crossdock load only runs against a mesh on this machine (127.0.0.0/8, ::1 or localhost)", flag, raw, host)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s %q: want a base URL without query or fragment", flag, raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
