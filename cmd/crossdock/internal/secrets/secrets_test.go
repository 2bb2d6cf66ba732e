package secrets_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/secrets"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/kek"
)

func TestLoadOrCreateGeneratesOnceAndReuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), secrets.FileName)
	wants := []secrets.Want{{"users", "users"}, {"freight-estimator", "freight_estimator"}}
	natsUsers := []string{"users", "freight-estimator", "gateway"}

	first, err := secrets.LoadOrCreate(path, wants, natsUsers)
	if err != nil {
		t.Fatal(err)
	}
	fe := first.Databases["freight-estimator"]
	if fe.Database != "freight_estimator" || fe.Role != "freight_estimator" || len(fe.Password) < 32 {
		t.Fatalf("freight-estimator login %+v", fe)
	}
	if first.Databases["users"].Password == fe.Password {
		t.Fatal("two services share a password")
	}
	if sa := first.ServiceAccounts["freight-estimator"]; sa.ClientID != "svc-freight-estimator" || len(sa.Secret) < 32 ||
		sa.Secret == first.ServiceAccounts["users"].Secret {
		t.Fatalf("service account %+v", sa)
	}
	if pw := first.NATSPasswords["freight-estimator"]; len(pw) < 32 || pw == first.NATSPasswords["users"] {
		t.Fatalf("NATS passwords %v", first.NATSPasswords)
	}
	// The gateway has a NATS login but no database or service account.
	if pw := first.NATSPasswords["gateway"]; len(pw) < 32 || pw == first.NATSPasswords["users"] {
		t.Fatalf("gateway NATS password %q", pw)
	}
	if _, ok := first.Databases["gateway"]; ok {
		t.Fatal("the gateway got a database")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}

	// A later start, with one more service: old passwords stay, the new one is added.
	second, err := secrets.LoadOrCreate(path, append(wants, secrets.Want{"orders", "orders"}), natsUsers)
	if err != nil {
		t.Fatal(err)
	}
	if second.NATSPasswords["gateway"] != first.NATSPasswords["gateway"] {
		t.Error("gateway NATS password changed")
	}
	for _, s := range []string{"users", "freight-estimator"} {
		if second.ServiceAccounts[s] != first.ServiceAccounts[s] {
			t.Errorf("%s service account changed", s)
		}
		if second.NATSPasswords[s] != first.NATSPasswords[s] {
			t.Errorf("%s NATS password changed", s)
		}
		if second.Databases[s] != first.Databases[s] {
			t.Errorf("%s changed: %+v → %+v", s, first.Databases[s], second.Databases[s])
		}
	}
	if ps := first.PaymentSandbox; len(ps.APIKey) < 32 || len(ps.WebhookSecret) < 32 || ps.APIKey == ps.WebhookSecret {
		t.Fatalf("payment sandbox credentials %+v", ps)
	}
	if second.PaymentSandbox != first.PaymentSandbox {
		t.Error("payment sandbox credentials changed")
	}
	if cs := first.CarrierSim; len(cs.APIKey) < 32 || len(cs.WebhookSecret) < 32 || cs.APIKey == cs.WebhookSecret || cs.APIKey == first.PaymentSandbox.APIKey {
		t.Fatalf("carrier simulator credentials %+v", cs)
	}
	if second.CarrierSim != first.CarrierSim {
		t.Error("carrier simulator credentials changed")
	}
	// Logistics seals carriers' credentials under a key that opens what the
	// mesh's database holds, so it is a valid key and kept.
	if _, err := kek.ParseSetting(first.Logistics.SecretsKey); err != nil || first.Logistics.SecretsKey == first.Docking.SecretsKey {
		t.Fatalf("logistics' secrets key: %v", err)
	}
	if second.Logistics != first.Logistics {
		t.Error("logistics' secrets key changed")
	}
	// The partner simulator's key is an Ed25519 seed, kept: users holds its
	// public half.
	if _, err := auth.ParseRequestPrivateKey(first.PartnerSim.Key); err != nil || first.PartnerSim.Key == first.Docking.SigningKey {
		t.Fatalf("partner simulator key: %v", err)
	}
	if second.PartnerSim != first.PartnerSim {
		t.Error("partner simulator key changed")
	}
	// The supply simulator's account keys go into SUPPLY_SIM_ACCOUNTS
	// ("account:key,..."): two distinct keys without either separator,
	// kept because docking's registration holds them.
	if ss := first.SupplySim; len(ss.DefaultKey) < 32 || len(ss.MerchantKey) < 32 || ss.DefaultKey == ss.MerchantKey ||
		strings.ContainsAny(ss.DefaultKey+ss.MerchantKey, ":,") {
		t.Fatalf("supply simulator keys %+v", ss)
	}
	if second.SupplySim != first.SupplySim {
		t.Error("supply simulator keys changed")
	}
	if second.Databases["orders"].Password == "" {
		t.Fatal("orders login not added")
	}
	third, err := secrets.LoadOrCreate(path, wants, natsUsers)
	if err != nil {
		t.Fatal(err)
	}
	if third.Databases["orders"] != second.Databases["orders"] {
		t.Fatal("orders login not persisted")
	}
	// The users service's key-encryption key: 32 random bytes under one id,
	// kept across starts because the stored signing keys are sealed under it.
	kid, key, _ := strings.Cut(first.SigningKeyEncryptionKey, ":")
	if raw, err := base64.RawURLEncoding.DecodeString(key); kid != "local" || err != nil || len(raw) != 32 {
		t.Fatalf("SIGNING_KEY_ENCRYPTION_KEY %q: want local:<base64 of 32 bytes>", first.SigningKeyEncryptionKey)
	}
	if second.SigningKeyEncryptionKey != first.SigningKeyEncryptionKey || third.SigningKeyEncryptionKey != first.SigningKeyEncryptionKey {
		t.Fatal("the signing keys' encryption key changed between starts")
	}
	if len(third.Databases) != 3 {
		t.Fatalf("logins %v", third.Databases)
	}
}

func TestLoadOrCreateRejectsACorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), secrets.FileName)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.LoadOrCreate(path, []secrets.Want{{"users", "users"}}, []string{"users"}); err == nil {
		t.Fatal("a corrupt file was accepted (and would have been overwritten)")
	}
	raw, _ := os.ReadFile(path)
	if string(raw) != "{not json" {
		t.Fatalf("file rewritten: %q", raw)
	}
}
