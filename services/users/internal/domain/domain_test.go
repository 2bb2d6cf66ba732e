package domain_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func TestValidateAccount(t *testing.T) {
	tests := []struct {
		name  string
		in    domain.AccountInput
		email string
		bad   []string
	}{
		{"normalised", domain.AccountInput{"  Ann.Lee@Example.COM ", "correct horse battery", " Ann "}, "ann.lee@example.com", nil},
		{"display-name form", domain.AccountInput{"Ann <ann@example.com>", "correct horse battery", "Ann"}, "", []string{"email"}},
		{"angle form", domain.AccountInput{"<ann@example.com>", "correct horse battery", "Ann"}, "", []string{"email"}},
		{"no at", domain.AccountInput{"ann.example.com", "correct horse battery", "Ann"}, "", []string{"email"}},
		{"empty email", domain.AccountInput{"", "correct horse battery", "Ann"}, "", []string{"email"}},
		{"short password", domain.AccountInput{"ann@example.com", "short", "Ann"}, "", []string{"password"}},
		{"long password", domain.AccountInput{"ann@example.com", strings.Repeat("ab", 65), "Ann"}, "", []string{"password"}},
		{"one character", domain.AccountInput{"ann@example.com", strings.Repeat("z", 20), "Ann"}, "", []string{"password"}},
		{"contains local part", domain.AccountInput{"annabel@example.com", "my-ANNABEL-password", "Ann"}, "", []string{"password"}},
		{"short local part is not checked", domain.AccountInput{"an@example.com", "an excellent passphrase", "Ann"}, "an@example.com", nil},
		{"empty display name", domain.AccountInput{"ann@example.com", "correct horse battery", "  "}, "", []string{"display_name"}},
		{"long display name", domain.AccountInput{"ann@example.com", "correct horse battery", strings.Repeat("é", 101)}, "", []string{"display_name"}},
		{"everything wrong", domain.AccountInput{"nope", "x", ""}, "", []string{"email", "password", "display_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ValidateAccount(tt.in)
			if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
			if err == nil && got.Email != tt.email {
				t.Errorf("email = %q, want %q", got.Email, tt.email)
			}
		})
	}
}

func validAddress() domain.Address {
	return domain.Address{
		Recipient: "Ann Lee", Phone: "+4915112345678", CountryCode: "de", RegionCode: "de-by",
		City: "München", Postcode: "80331", Lines: []string{"Marienplatz 1"},
		Location: &domain.GeoPoint{Latitude: 48.137, Longitude: 11.575},
	}
}

func TestNewAddress(t *testing.T) {
	tests := []struct {
		name   string
		change func(*domain.Address)
		bad    []string
	}{
		{"valid", func(*domain.Address) {}, nil},
		{"country without subdivisions", func(a *domain.Address) { a.CountryCode, a.RegionCode = "AQ", "" }, nil},
		{"unknown country", func(a *domain.Address) { a.CountryCode = "XX" }, []string{"address.country_code"}},
		{"missing country", func(a *domain.Address) { a.CountryCode = "" }, []string{"address.country_code"}},
		{"region of another country", func(a *domain.Address) { a.RegionCode = "US-CA" }, []string{"address.region_code"}},
		{"missing region", func(a *domain.Address) { a.RegionCode = "" }, []string{"address.region_code"}},
		{"bad phone", func(a *domain.Address) { a.Phone = "0151 1234567" }, []string{"address.phone"}},
		{"phone with leading zero", func(a *domain.Address) { a.Phone = "+0151123456" }, []string{"address.phone"}},
		{"no lines", func(a *domain.Address) { a.Lines = nil }, []string{"address.lines"}},
		{"five lines", func(a *domain.Address) { a.Lines = []string{"a", "b", "c", "d", "e"} }, []string{"address.lines"}},
		{"blank line", func(a *domain.Address) { a.Lines = []string{"a", " "} }, []string{"address.lines[1]"}},
		{"missing recipient and city", func(a *domain.Address) { a.Recipient, a.City = "", "" }, []string{"address.recipient", "address.city"}},
		{"latitude out of range", func(a *domain.Address) { a.Location = &domain.GeoPoint{Latitude: 91} }, []string{"address.location.latitude"}},
		{"longitude out of range", func(a *domain.Address) { a.Location = &domain.GeoPoint{Longitude: -181} }, []string{"address.location.longitude"}},
		{"bad postcode", func(a *domain.Address) { a.Postcode = "80331;DROP" }, []string{"address.postcode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validAddress()
			tt.change(&in)
			got, err := domain.NewAddress(in)
			if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
			if err == nil && tt.name == "valid" && (got.CountryCode != "DE" || got.RegionCode != "DE-BY") {
				t.Errorf("codes not normalised: %q %q", got.CountryCode, got.RegionCode)
			}
		})
	}
}

func TestOrganizationReview(t *testing.T) {
	now := time.Now()
	admin := uuid.New()
	org, err := domain.NewOrganization("Acme Ltd", domain.KindSupplier, now)
	if err != nil {
		t.Fatal(err)
	}
	if org.Status != domain.StatusPending {
		t.Fatalf("status = %s, want pending", org.Status)
	}
	if err := org.Reject(admin, " ", now); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Fatalf("reject without reason = %v, want InvalidArgument", err)
	}
	if err := org.Approve(admin, now); err != nil {
		t.Fatal(err)
	}
	if err := org.Approve(admin, now); !errors.Is(err, domain.ErrOrganizationNotPending) {
		t.Errorf("second approve = %v, want ErrOrganizationNotPending", err)
	}
	if err := org.Reject(admin, "fraud", now); !errors.Is(err, domain.ErrOrganizationNotPending) {
		t.Errorf("reject after approve = %v, want ErrOrganizationNotPending", err)
	}
	if _, _, err := org.SetTier("gold"); !errors.Is(err, domain.ErrNotAMerchant) {
		t.Errorf("tier on a supplier = %v, want ErrNotAMerchant", err)
	}
	m, _ := domain.NewOrganization("Shop", domain.KindMerchant, now)
	prev, changed, err := m.SetTier("gold")
	if err != nil || prev != "" || !changed {
		t.Errorf("SetTier = %q, %v, %v", prev, changed, err)
	}
	if _, changed, _ := m.SetTier("gold"); changed {
		t.Error("setting the same tier reported a change")
	}
}

func TestNewMerchantTier(t *testing.T) {
	tests := []struct {
		code, name string
		rank       int32
		bad        []string
	}{
		{"gold", "Gold", 3, nil},
		{"tier-2", "Two", 1, nil},
		{"G", "Gold", 3, []string{"tier.code"}},
		{"Gold", "Gold", 3, []string{"tier.code"}},
		{"gold", "", 0, []string{"tier.name", "tier.rank"}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			_, err := domain.NewMerchantTier(tt.code, tt.name, tt.rank)
			if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
		})
	}
}

// A rotation retires the current key for its own overlap, whatever
// rotations follow: a rotation retried after a lost answer must leave the
// key the client still holds working.
func TestRotationsKeepEveryRetiredKeyForItsOverlap(t *testing.T) {
	now := time.Now()
	c := domain.NewAPIClient("svc-a", domain.APIClientInput{Name: "a", Kind: domain.ClientService}, []byte("k0"), now)
	for i := 1; i <= domain.MaxRetiredKeys; i++ {
		at := now.Add(time.Duration(i) * time.Minute)
		if err := c.Rotate([]byte("k"+strconv.Itoa(i)), time.Hour, at); err != nil {
			t.Fatalf("rotation %d: %v", i, err)
		}
		if got := c.LastRetiredExpiresAt(); !got.Equal(at.Add(time.Hour)) {
			t.Errorf("rotation %d: the retired key expires at %v, want %v", i, got, at.Add(time.Hour))
		}
	}
	for _, tt := range []struct {
		key    string
		at     time.Duration
		accept bool
	}{
		{"k0", 60*time.Minute + 59*time.Second, true}, // the first key, rotated out at +1m for an hour
		{"k0", 61 * time.Minute, false},
		{"k3", 64*time.Minute - time.Second, true}, // rotated out at +4m
		{"k3", 64 * time.Minute, false},
		{"k4", 24 * time.Hour, true}, // current
		{"k5", 0, false},             // never given
	} {
		if got := c.Accepts([]byte(tt.key), now.Add(tt.at)); got != tt.accept {
			t.Errorf("Accepts(%s) at +%v = %v, want %v", tt.key, tt.at, got, tt.accept)
		}
	}
	if n := len(c.KeysAt(now.Add(5 * time.Minute))); n != domain.MaxRetiredKeys+1 {
		t.Errorf("%d keys accepted during the overlaps, want %d", n, domain.MaxRetiredKeys+1)
	}
	// No more keys in overlap than the bound; once the oldest expired, the
	// next rotation goes through and the expired key is gone.
	if err := c.Rotate([]byte("k5"), time.Hour, now.Add(10*time.Minute)); !errors.Is(err, domain.ErrTooManyRetiredKeys) {
		t.Fatalf("rotation past the bound = %v", err)
	}
	if !c.Accepts([]byte("k4"), now.Add(10*time.Minute)) || c.Accepts([]byte("k5"), now.Add(10*time.Minute)) {
		t.Fatal("a refused rotation changed the keys")
	}
	if err := c.Rotate([]byte("k5"), time.Hour, now.Add(61*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(c.Retired) != domain.MaxRetiredKeys || string(c.Retired[0].Key) != "k1" {
		t.Errorf("retired after the oldest expired = %q", c.Retired)
	}
	// A rotation with a short overlap (a key leaked) ends every retired
	// key's overlap with its own, not only the one it retires, and the
	// bound does not hold it back.
	leak := now.Add(61*time.Minute + 30*time.Second)
	if err := c.Rotate([]byte("k6"), time.Second, leak); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5"} {
		if !c.Accepts([]byte(k), leak) || c.Accepts([]byte(k), leak.Add(time.Second)) {
			t.Errorf("%s after a rotation with a 1 s overlap: accepted for 1 s, want exactly that", k)
		}
	}
	// Rotating to the current key (a retried rotation to a registered
	// public key) changes nothing.
	before := slices.Clone(c.Retired)
	if err := c.Rotate([]byte("k6"), time.Hour, leak); err != nil || !slices.EqualFunc(before, c.Retired, func(a, b domain.RetiredKey) bool {
		return string(a.Key) == string(b.Key) && a.ExpiresAt.Equal(b.ExpiresAt)
	}) {
		t.Errorf("rotation to the current key = %v, retired %q", err, c.Retired)
	}
}

func TestAPIClientSecrets(t *testing.T) {
	now := time.Now()
	if _, err := domain.ValidateAPIClient(domain.APIClientInput{Name: "ERP", Kind: domain.ClientERP}); !slices.Equal(testkit.Fields(t, err), []string{"organization_id"}) {
		t.Errorf("ERP without organization: %v", err)
	}
	if _, err := domain.ValidateAPIClient(domain.APIClientInput{Name: "x", Kind: "robot"}); !slices.Equal(testkit.Fields(t, err), []string{"kind"}) {
		t.Errorf("unknown kind: %v", err)
	}
	c := domain.NewAPIClient("svc-a", domain.APIClientInput{Name: "a", Kind: domain.ClientService}, []byte("k1"), now)
	if !c.Accepts([]byte("k1"), now) || c.Accepts([]byte("k2"), now) {
		t.Fatal("a new client accepts exactly its key")
	}
	if err := c.Rotate([]byte("k2"), time.Hour, now); err != nil {
		t.Fatal(err)
	}
	if !c.Accepts([]byte("k1"), now.Add(59*time.Minute)) || c.Accepts([]byte("k1"), now.Add(time.Hour)) {
		t.Error("the previous key works for exactly the overlap")
	}
	if !c.Accepts([]byte("k2"), now.Add(48*time.Hour)) {
		t.Error("the current key keeps working")
	}
	c.Disable()
	if c.Accepts([]byte("k2"), now) {
		t.Error("a disabled client accepts nothing")
	}
	if err := c.Rotate([]byte("k3"), time.Hour, now); !errors.Is(err, domain.ErrClientDisabled) {
		t.Errorf("rotate disabled = %v", err)
	}
	for _, d := range []time.Duration{-time.Second, 31 * 24 * time.Hour} {
		if _, err := domain.SecretOverlap(&d); !slices.Equal(testkit.Fields(t, err), []string{"overlap"}) {
			t.Errorf("overlap %v: %v", d, err)
		}
	}
	if d, err := domain.SecretOverlap(nil); err != nil || d != domain.DefaultSecretOverlap {
		t.Errorf("no overlap given = %v, %v; want the default", d, err)
	}
	// Zero given ends the previous credential at once (a leaked key).
	zero := time.Duration(0)
	if d, err := domain.SecretOverlap(&zero); err != nil || d != 0 {
		t.Errorf("an overlap of zero = %v, %v; want none", d, err)
	}
}
