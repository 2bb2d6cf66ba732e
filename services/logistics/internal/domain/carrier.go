package domain

import (
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Carrier is a company Crossdock books parcels with. It is reached over its
// HTTP API, with credentials per environment (a sandbox beside production).
type Carrier struct {
	ID        uuid.UUID
	Code      string
	Name      string
	Endpoints []Endpoint
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Endpoint is where and how a carrier is called in one environment.
type Endpoint struct {
	Environment   string
	APIURL        string
	APIKey        string
	WebhookSecret string
	// PreviousWebhookSecret is the secret the last change replaced, still
	// accepted until PreviousSecretUntil: webhooks the carrier signed
	// before it switched, and its retries of them, still verify.
	PreviousWebhookSecret string
	PreviousSecretUntil   time.Time
}

// WebhookSecretOverlap is how long a replaced webhook secret is still
// accepted: a carrier switches to the new one when it is told, not at the
// instant it is stored, and retries what it sent before for a day.
const WebhookSecretOverlap = 24 * time.Hour

// WebhookSecrets are the secrets a webhook may be signed with at now: the
// current one, and the one it replaced while its overlap lasts.
func (e Endpoint) WebhookSecrets(now time.Time) [][]byte {
	out := [][]byte{[]byte(e.WebhookSecret)}
	if e.PreviousWebhookSecret != "" && now.Before(e.PreviousSecretUntil) {
		out = append(out, []byte(e.PreviousWebhookSecret))
	}
	return out
}

// Endpoint returns the carrier's endpoint for env.
func (c Carrier) Endpoint(env string) (Endpoint, bool) {
	for _, e := range c.Endpoints {
		if e.Environment == env {
			return e, true
		}
	}
	return Endpoint{}, false
}

// MergeEndpoints replaces the endpoints of the environments in update,
// keeping stored credentials where the update leaves them empty. A webhook
// secret replaced at now stays accepted for WebhookSecretOverlap.
func (c *Carrier) MergeEndpoints(update []Endpoint, now time.Time) {
	for _, u := range update {
		replaced := false
		for i, e := range c.Endpoints {
			if e.Environment != u.Environment {
				continue
			}
			if u.APIKey == "" {
				u.APIKey = e.APIKey
			}
			u.PreviousWebhookSecret, u.PreviousSecretUntil = e.PreviousWebhookSecret, e.PreviousSecretUntil
			switch {
			case u.WebhookSecret == "":
				u.WebhookSecret = e.WebhookSecret
			case u.WebhookSecret != e.WebhookSecret && e.WebhookSecret != "":
				u.PreviousWebhookSecret, u.PreviousSecretUntil = e.WebhookSecret, now.Add(WebhookSecretOverlap)
			}
			c.Endpoints[i], replaced = u, true
		}
		if !replaced {
			c.Endpoints = append(c.Endpoints, u)
		}
	}
}

// Validate checks a carrier as it is about to be stored.
func (c Carrier) Validate() error {
	var v violations
	checkCode(&v, "code", c.Code)
	apperr.CheckText(&v, "name", c.Name, 1, 120)
	seen := map[string]bool{}
	for i, e := range c.Endpoints {
		f := func(sub string) string { return apperr.Index("endpoints", i, sub) }
		if !codePattern.MatchString(e.Environment) {
			v.Add(f("environment"), "must be 2 to 32 lower-case letters, digits or dashes, e.g. sandbox")
		} else if seen[e.Environment] {
			v.Add(f("environment"), "appears twice")
		}
		seen[e.Environment] = true
		if u, err := url.Parse(e.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add(f("api_url"), "must be an absolute http or https URL")
		}
		if e.APIKey == "" {
			v.Add(f("api_key"), "is required")
		}
		if len(e.WebhookSecret) < 16 {
			v.Add(f("webhook_secret"), "must be at least 16 characters")
		}
	}
	return v.Err()
}

// Mode is how a method moves goods over the long leg.
type Mode string

// The modes a method can have.
const (
	ModeAir     Mode = "air"
	ModeSea     Mode = "sea"
	ModeExpress Mode = "express"
	ModeGround  Mode = "ground"
)

// Valid reports whether m is one of the modes.
func (m Mode) Valid() bool {
	switch m {
	case ModeAir, ModeSea, ModeExpress, ModeGround:
		return true
	}
	return false
}

// Speed is a method's speed profile: the handling time before pick-up and
// the kilometres a parcel covers per day on each kind of leg.
type Speed struct {
	HandlingHours         int
	DomesticKmPerDay      int
	InternationalKmPerDay int
	LastMileKmPerDay      int
}

// KmPerDay returns the speed on a kind of leg.
func (s Speed) KmPerDay(leg LegKind) int {
	switch leg {
	case LegInternational:
		return s.InternationalKmPerDay
	case LegLastMile:
		return s.LastMileKmPerDay
	default:
		return s.DomesticKmPerDay
	}
}

func (s Speed) validate(v *violations) {
	if s.HandlingHours < 0 || s.HandlingHours > 24*60 {
		v.Add("speed.handling_hours", "must be between 0 and 1440")
	}
	for field, kmh := range map[string]int{
		"speed.domestic_km_per_day": s.DomesticKmPerDay, "speed.international_km_per_day": s.InternationalKmPerDay,
		"speed.last_mile_km_per_day": s.LastMileKmPerDay,
	} {
		if kmh < 1 || kmh > 50_000 {
			v.Add(field, "must be between 1 and 50000")
		}
	}
}

// Method is one shipping service of a carrier.
type Method struct {
	ID        uuid.UUID
	CarrierID uuid.UUID
	Code      string
	Name      string
	Mode      Mode
	Speed     Speed
	// Zones are the destination countries served; none serves every country.
	Zones     []string
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Serves reports whether the method delivers to country.
func (m Method) Serves(country string) bool {
	if len(m.Zones) == 0 {
		return true
	}
	for _, z := range m.Zones {
		if z == country {
			return true
		}
	}
	return false
}

// Validate checks a method as it is about to be stored.
func (m Method) Validate() error {
	var v violations
	checkCode(&v, "code", m.Code)
	apperr.CheckText(&v, "name", m.Name, 1, 120)
	if !m.Mode.Valid() {
		v.Add("mode", "must be air, sea, express or ground")
	}
	m.Speed.validate(&v)
	seen := map[string]bool{}
	for i, z := range m.Zones {
		checkCountry(&v, apperr.Index("zones", i, ""), z)
		if seen[z] {
			v.Add(apperr.Index("zones", i, ""), "appears twice")
		}
		seen[z] = true
	}
	return v.Err()
}
