package domain

import (
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/language"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// Limits of a partner's fields.
const (
	maxLocales     = 20
	maxBPS         = 10_000
	maxCredential  = 512
	maxEndpointLen = 512
)

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,31}$`)

// normalize trims what people type with stray spaces and spells locales
// canonically, so "en-us" and "en-US" are one locale.
func (p *Partner) normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.Endpoint = strings.TrimSpace(p.Endpoint)
	p.APIClientID = strings.TrimSpace(p.APIClientID)
	p.Fees.Currency = strings.ToUpper(strings.TrimSpace(p.Fees.Currency))
	p.Locales = slices.Clone(p.Locales)
	for i, l := range p.Locales {
		if tag, err := language.Parse(strings.TrimSpace(l)); err == nil {
			p.Locales[i] = tag.String()
		}
	}
}

// Validate checks a partner as it is about to be stored, naming every bad
// field as the API spells it.
func (p Partner) Validate() error {
	var v apperr.Violations
	apperr.CheckText(&v, "name", p.Name, 1, 120)
	if !codePattern.MatchString(p.Code) {
		v.Add("code", "must be 2 to 32 lower-case letters, digits or dashes, starting with a letter or digit")
	}
	if !p.Protocol.Valid() {
		v.Add("protocol", "must be STANDARD_GRPC or REST_MARKETPLACE")
	}
	p.validateEndpoint(&v)
	p.validateCredentials(&v)
	if p.Protocol == ProtocolStandardGRPC && p.APIClientID == "" {
		v.Add("api_client_id", "is required for STANDARD_GRPC: its keys prove the partner's handshake and calls")
	} else if len(p.APIClientID) > 128 {
		v.Add("api_client_id", "must be at most 128 characters")
	}
	validateLocales(&v, p.Locales)
	if p.CommissionBPS < 0 || p.CommissionBPS > maxBPS {
		v.Add("commission_bps", "must be between 0 and 10000")
	}
	if p.Fees != (Fees{}) {
		if !money.ValidCurrency(p.Fees.Currency) {
			v.Add("fees.fixed_per_order.currency_code", "must be an ISO 4217 code such as USD")
		}
		if p.Fees.FixedPerOrder < 0 {
			v.Add("fees.fixed_per_order.amount_minor", "must not be negative")
		}
	}
	return v.Err()
}

func (p Partner) validateEndpoint(v *apperr.Violations) {
	switch {
	case p.Endpoint == "":
		v.Add("endpoint", "is required")
	case len(p.Endpoint) > maxEndpointLen:
		v.Add("endpoint", "must be at most "+strconv.Itoa(maxEndpointLen)+" characters")
	case p.Protocol == ProtocolStandardGRPC:
		host, port, err := net.SplitHostPort(p.Endpoint)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			v.Add("endpoint", "must be the partner's gRPC server as host:port")
		}
	case p.Protocol == ProtocolRESTMarketplace:
		if u, err := url.Parse(p.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add("endpoint", "must be an absolute http or https URL")
		}
	}
}

// ValidateTransport checks the partner's endpoint can be reached over TLS,
// unless the installation allows plaintext (development against
// simulators): a REST partner's endpoint must be https. A standard-protocol
// endpoint (host:port) is always dialled over TLS where plaintext is not
// allowed, so it has nothing to refuse here. It is separate from Validate
// because the rule is the installation's, not the partner's.
func (p Partner) ValidateTransport(plaintextAllowed bool) error {
	if p.Protocol != ProtocolRESTMarketplace {
		return nil
	}
	return httpsOnly(p.Endpoint, plaintextAllowed)
}

// httpsOnly refuses an http(s) endpoint that is not https, unless the
// installation allows plaintext: the rule of every platform docking calls
// over HTTP.
func httpsOnly(endpoint string, plaintextAllowed bool) error {
	if plaintextAllowed {
		return nil
	}
	var v apperr.Violations
	if u, err := url.Parse(endpoint); err == nil && u.Scheme != "https" {
		v.Add("endpoint", "must be an https URL: this installation reaches partners and supply platforms over TLS only")
	}
	return v.Err()
}

func (p Partner) validateCredentials(v *apperr.Violations) {
	switch p.Protocol {
	case ProtocolStandardGRPC:
		if !p.Credentials.Empty() {
			v.Add("credentials", "must be empty for STANDARD_GRPC: the partner's keys are its API client's")
		}
	case ProtocolRESTMarketplace:
		for field, s := range map[string]string{"credentials.app_key": p.Credentials.AppKey, "credentials.app_secret": p.Credentials.AppSecret} {
			switch {
			case s == "":
				v.Add(field, "is required for REST_MARKETPLACE")
			case len(s) > maxCredential:
				v.Add(field, "must be at most 512 bytes")
			case strings.IndexFunc(s, unicode.IsControl) >= 0:
				v.Add(field, "must not contain control characters")
			}
		}
	}
}

func validateLocales(v *apperr.Violations, locales []string) {
	if len(locales) == 0 {
		v.Add("locales", "needs at least one BCP 47 locale, e.g. en-US")
	}
	if len(locales) > maxLocales {
		v.Add("locales", "must hold at most 20 locales")
	}
	for i, l := range locales {
		f := apperr.Index("locales", i, "")
		if _, err := language.Parse(l); err != nil || l == "und" {
			v.Add(f, "must be a BCP 47 locale such as en-US")
		} else if slices.Index(locales, l) < i {
			v.Add(f, "appears twice")
		}
	}
}
