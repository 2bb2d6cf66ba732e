// Package secrets keeps the generated credentials of the local mesh (database
// logins, service accounts, NATS passwords, the payment sandbox's and the
// carrier simulator's API keys and webhook secrets, logistics' and
// platform-docking's keys, the partner simulator's and the supply
// simulator's) in one file. The passwords are created once and reused, so a
// restarted mesh finds its databases as it left them; the file is readable by
// its owner only.
package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the name of the credentials file inside the mesh directory.
const FileName = "secrets.json"

// Database is the login of one service's database.
type Database struct {
	Database string `json:"database"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// ServiceAccount is the users-service account a service acts as on its own
// behalf (SERVICE_CLIENT_ID / SERVICE_CLIENT_SECRET).
type ServiceAccount struct {
	ClientID string `json:"client_id"`
	Secret   string `json:"secret"`
}

// File is the content of secrets.json, keyed by service name.
type File struct {
	Databases       map[string]Database       `json:"databases"`
	ServiceAccounts map[string]ServiceAccount `json:"service_accounts"`
	// SigningKeyEncryptionKey is the users service's
	// SIGNING_KEY_ENCRYPTION_KEY ("local:<base64 of 32 bytes>"): generated
	// once and kept, because the signing keys in the mesh's database are
	// sealed under it.
	SigningKeyEncryptionKey string `json:"signing_key_encryption_key"`
	// NATSPasswords are the services' and the gateway's NATS passwords
	// (NATS_PASSWORD); each one's NATS user is its name.
	NATSPasswords map[string]string `json:"nats_passwords"`
	// PaymentSandbox is the API key finance calls the payment sandbox with
	// and the secret the sandbox signs its webhooks with.
	PaymentSandbox PaymentSandbox `json:"payment_sandbox"`
	// CarrierSim is the API key logistics calls the carrier simulator with
	// and the secret the simulator signs its webhooks with.
	CarrierSim CarrierSim `json:"carrier_sim"`
	// Docking holds platform-docking's own keys: generated once and kept,
	// because partners' credentials in the mesh's database are sealed under
	// one and partners know the other's public half.
	Docking Docking `json:"docking"`
	// Logistics holds the key logistics seals carriers' credentials under
	// (LOGISTICS_SECRETS_KEY): generated once and kept, because the
	// carriers in the mesh's database are sealed under it.
	Logistics Logistics `json:"logistics"`
	// PartnerSim is the partner simulator's own key, generated once and
	// kept because users holds its public half (the demo partner's API
	// client).
	PartnerSim PartnerSim `json:"partner_sim"`
	// RestMarketSim is the app key and secret the REST marketplace
	// simulator issued to Crossdock: docking holds them (sealed) in the
	// demo REST partner's registration.
	RestMarketSim RestMarketSim `json:"rest_market_sim"`
	// SupplySim is the API keys of Crossdock's two accounts at the supply
	// simulator: the simulator knows them, docking holds them (sealed) in
	// the demo supply platform's registration.
	SupplySim SupplySim `json:"supply_sim"`
}

// SupplySim holds the API keys of the supply simulator's accounts: the
// default account's and the demo merchant's.
type SupplySim struct {
	DefaultKey  string `json:"default_key"`
	MerchantKey string `json:"merchant_key"`
}

// RestMarketSim holds the app key and secret of Crossdock's seller account
// at the REST marketplace simulator.
type RestMarketSim struct {
	AppKey    string `json:"app_key"`
	AppSecret string `json:"app_secret"`
}

// PartnerSim is the private key of the partner simulator's users API
// client (base64 of an Ed25519 seed, 32 bytes): it proves the simulator's
// handshakes, and will sign its calls to docking's PartnerService.
type PartnerSim struct {
	Key string `json:"key"`
}

// Docking is platform-docking's DOCKING_SECRETS_KEY (base64 of 32 bytes)
// and DOCKING_SIGNING_KEY (base64 of an Ed25519 seed, 32 bytes).
type Docking struct {
	SecretsKey string `json:"secrets_key"`
	SigningKey string `json:"signing_key"`
}

// Logistics is logistics' LOGISTICS_SECRETS_KEY (base64 of 32 bytes).
type Logistics struct {
	SecretsKey string `json:"secrets_key"`
}

// PaymentSandbox holds the credentials finance and the payment sandbox share.
type PaymentSandbox struct {
	APIKey        string `json:"api_key"`
	WebhookSecret string `json:"webhook_secret"`
}

// CarrierSim holds the credentials logistics and the carrier simulator
// share.
type CarrierSim struct {
	APIKey        string `json:"api_key"`
	WebhookSecret string `json:"webhook_secret"`
}

// Want names a database the mesh needs.
type Want struct {
	Service  string
	Database string // also the role
}

// LoadOrCreate reads path, adds a generated login for every wanted database
// the file lacks and a NATS password for every one of natsUsers (every
// process that connects to NATS, the gateway too, which has no database),
// and writes the file back (mode 0600) when anything was added. Existing
// passwords are never changed.
func LoadOrCreate(path string, wants []Want, natsUsers []string) (File, error) {
	f := File{Databases: map[string]Database{}, ServiceAccounts: map[string]ServiceAccount{}, NATSPasswords: map[string]string{}}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &f); err != nil {
			return File{}, fmt.Errorf("%s is not valid: %w (remove it, or start with --fresh)", path, err)
		}
		if f.Databases == nil {
			f.Databases = map[string]Database{}
		}
		if f.ServiceAccounts == nil {
			f.ServiceAccounts = map[string]ServiceAccount{}
		}
		if f.NATSPasswords == nil {
			f.NATSPasswords = map[string]string{}
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return File{}, err
	}

	changed := false
	if f.SigningKeyEncryptionKey == "" {
		key, err := password()
		if err != nil {
			return File{}, err
		}
		f.SigningKeyEncryptionKey = "local:" + key
		changed = true
	}
	for _, v := range []*string{
		&f.PaymentSandbox.APIKey, &f.PaymentSandbox.WebhookSecret, &f.CarrierSim.APIKey, &f.CarrierSim.WebhookSecret,
		&f.Docking.SecretsKey, &f.Docking.SigningKey, &f.Logistics.SecretsKey, &f.PartnerSim.Key, &f.RestMarketSim.AppKey, &f.RestMarketSim.AppSecret,
		&f.SupplySim.DefaultKey, &f.SupplySim.MerchantKey,
	} {
		if *v == "" {
			pw, err := password()
			if err != nil {
				return File{}, err
			}
			*v = pw
			changed = true
		}
	}
	for _, u := range natsUsers {
		if f.NATSPasswords[u] == "" {
			pw, err := password()
			if err != nil {
				return File{}, err
			}
			f.NATSPasswords[u] = pw
			changed = true
		}
	}
	for _, w := range wants {
		if a, ok := f.ServiceAccounts[w.Service]; !ok || a.ClientID == "" || a.Secret == "" {
			secret, err := password()
			if err != nil {
				return File{}, err
			}
			f.ServiceAccounts[w.Service] = ServiceAccount{ClientID: "svc-" + w.Service, Secret: secret}
			changed = true
		}
		if d, ok := f.Databases[w.Service]; ok && d.Password != "" && d.Database != "" && d.Role != "" {
			continue
		}
		pw, err := password()
		if err != nil {
			return File{}, err
		}
		f.Databases[w.Service] = Database{Database: w.Database, Role: w.Database, Password: pw}
		changed = true
	}
	if changed {
		if err := write(path, f); err != nil {
			return File{}, err
		}
	}
	return f, nil
}

// write replaces the file atomically, so an interrupted start never leaves a
// half-written file that would lock the mesh out of its own databases.
func write(path string, f File) error {
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secrets-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// password returns 32 random bytes, URL-safe encoded, so it can sit in a
// connection URL without escaping surprises.
func password() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
