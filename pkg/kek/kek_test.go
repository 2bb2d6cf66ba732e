package kek_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/kek"
)

func TestParse(t *testing.T) {
	k1, k2 := kek.Generate("k1"), kek.Generate("k2")
	raw := strings.TrimPrefix(k1, "k1:")
	tests := []struct {
		name    string
		spec    string
		primary string
		err     string // part of the error; "" when accepted
	}{
		{"one key", k1, "k1", ""},
		{"first one seals", k2 + "," + k1, "k2", ""},
		{"spaces and empty entries", " " + k2 + " ,, " + k1 + ",", "k2", ""},
		{"unpadded url-safe key", "k1:" + base64.RawURLEncoding.EncodeToString(mustDecode(t, raw)), "k1", ""},
		{"empty", "", "", "no key given"},
		{"no id", raw, "", "want key_id:base64key"},
		{"bad id", "k 1:" + raw, "", "want key_id:base64key"},
		{"short key", "k1:" + base64.StdEncoding.EncodeToString(make([]byte, 16)), "", `key "k1": want 32 bytes`},
		{"not base64", "k1:%%%", "", `key "k1": want 32 bytes`},
		{"duplicate id", k1 + "," + k1, "", `key "k1" is given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := kek.Parse(tt.spec)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse = %v, want an error containing %q", err, tt.err)
				}
				if strings.Contains(err.Error(), raw) {
					t.Fatalf("the error echoes the key: %v", err)
				}
				return
			}
			if err != nil || r.Primary() != tt.primary {
				t.Fatalf("Parse = %v, %v; want primary %s", r, err, tt.primary)
			}
		})
	}
}

func TestParseSetting(t *testing.T) {
	k1, k2 := kek.Generate("k1"), kek.Generate("k2")
	bare := strings.TrimPrefix(k1, "k1:")
	tests := []struct {
		name, spec, primary string
		ok                  bool
	}{
		{"bare key", bare, kek.DefaultKeyID, true},
		{"bare url-safe key", base64.RawURLEncoding.EncodeToString(mustDecode(t, bare)), kek.DefaultKeyID, true},
		{"bare key with spaces", " " + bare + "\n", kek.DefaultKeyID, true},
		{"a ring", k2 + "," + k1, "k2", true},
		{"empty", "", "", false},
		{"bare short key", base64.StdEncoding.EncodeToString(make([]byte, 16)), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := kek.ParseSetting(tt.spec)
			if !tt.ok {
				if err == nil {
					t.Fatalf("ParseSetting(%q) accepted a bad setting", tt.spec)
				}
				return
			}
			if err != nil || r.Primary() != tt.primary {
				t.Fatalf("ParseSetting = %v, %v; want primary %s", r, err, tt.primary)
			}
		})
	}
	// A bare key opens what the same key sealed under its default id.
	ring, err := kek.Parse(kek.DefaultKeyID + ":" + bare)
	if err != nil {
		t.Fatal(err)
	}
	kid, sealed := ring.Seal([]byte("secret"), []byte("row"))
	setting, _ := kek.ParseSetting(bare)
	if got, err := setting.Open(kid, sealed, []byte("row")); err != nil || string(got) != "secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealAndOpen(t *testing.T) {
	k1, k2 := kek.Generate("k1"), kek.Generate("k2")
	old, err := kek.Parse(k1)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := kek.Parse(k2 + "," + k1)
	if err != nil {
		t.Fatal(err)
	}
	secret, aad := []byte("a private key"), []byte("signing_keys:abc")
	kid, sealed := old.Seal(secret, aad)
	if kid != "k1" || len(sealed) != len(secret)+kek.Overhead || bytes.Contains(sealed, secret) {
		t.Fatalf("Seal = %s, %x", kid, sealed)
	}
	if _, again := old.Seal(secret, aad); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		ring   *kek.Ring
		kid    string
		sealed []byte
		aad    []byte
		ok     bool
	}{
		{"same ring", old, kid, sealed, aad, true},
		{"rotated ring opens the old key's values", rotated, kid, sealed, aad, true},
		{"other row", old, kid, sealed, []byte("signing_keys:xyz"), false},
		{"tampered", old, kid, flipped, aad, false},
		{"truncated", old, kid, sealed[:10], aad, false},
		{"wrong key id", rotated, "k2", sealed, aad, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ring.Open(tt.kid, tt.sealed, tt.aad)
			if tt.ok != (err == nil) || tt.ok && !bytes.Equal(got, secret) {
				t.Fatalf("Open = %q, %v; want ok %v", got, err, tt.ok)
			}
		})
	}
	newKid, _ := rotated.Seal(secret, aad)
	if newKid != "k2" {
		t.Fatalf("the rotated ring seals under %s, want k2", newKid)
	}
	if _, err := old.Open("k2", sealed, aad); !errors.Is(err, kek.ErrUnknownKey) {
		t.Fatalf("unknown key id: %v, want ErrUnknownKey", err)
	}
}

func TestMustParse(t *testing.T) {
	if r := kek.MustParse(kek.Generate("k1")); r.Primary() != "k1" {
		t.Fatalf("primary %q", r.Primary())
	}
	defer func() {
		if recover() == nil {
			t.Fatal("MustParse accepted an empty spec")
		}
	}()
	kek.MustParse("")
}
