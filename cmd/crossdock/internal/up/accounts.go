package up

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/secrets"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/seed"
	"github.com/crossdock/crossdock/pkg/auth"
)

// accountEnv gives each process its NATS login (the gateway's too), each
// backend its service account, finance the payment sandbox's address and
// credentials, logistics the carrier simulator's and the key it seals
// carriers' credentials under, platform-docking its sealing and signing keys
// and client id, and the users service the accounts it bootstraps (the demo
// admin and every service account) and the key its signing keys are sealed
// under.
func accountEnv(s mesh.Service, plan mesh.Plan, creds secrets.File) map[string]string {
	env := map[string]string{}
	if s.Name == mesh.Finance {
		for k, v := range mesh.PaymentProviderEnv(plan, paymentCredentials(creds)) {
			env[k] = v
		}
	}
	if s.Name == mesh.Logistics {
		for k, v := range mesh.LogisticsCarrierEnv(plan, carrierCredentials(creds)) {
			env[k] = v
		}
		env["LOGISTICS_SECRETS_KEY"] = creds.Logistics.SecretsKey
	}
	if s.Name == mesh.PlatformDocking {
		env["DOCKING_SECRETS_KEY"] = creds.Docking.SecretsKey
		env["DOCKING_SIGNING_KEY"] = creds.Docking.SigningKey
		// The partner simulator accepts calls from this client id only.
		env["DOCKING_CLIENT_ID"] = mesh.DockingClientID
	}
	if pw := creds.NATSPasswords[s.Name]; pw != "" {
		env["NATS_USER"] = s.Name
		env["NATS_PASSWORD"] = pw
	}
	if sa, ok := creds.ServiceAccounts[s.Name]; ok {
		env["SERVICE_CLIENT_ID"] = sa.ClientID
		env["SERVICE_CLIENT_SECRET"] = sa.Secret
	}
	if s.Name == mesh.Users {
		env["BOOTSTRAP_ADMIN_EMAIL"] = seed.AdminEmail
		env["BOOTSTRAP_ADMIN_PASSWORD"] = seed.DemoPassword
		pairs := make([]string, 0, len(creds.ServiceAccounts))
		for _, sa := range creds.ServiceAccounts {
			pairs = append(pairs, sa.ClientID+":"+sa.Secret)
		}
		sort.Strings(pairs)
		env["BOOTSTRAP_SERVICE_CLIENTS"] = strings.Join(pairs, ",")
		env["SIGNING_KEY_ENCRYPTION_KEY"] = creds.SigningKeyEncryptionKey
	}
	return env
}

// reportAccounts prints the demo logins.
func reportAccounts(w io.Writer, accounts []seed.Account) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEMO ACCOUNT\tE-MAIL\tORGANIZATION")
	for _, a := range accounts {
		org := a.Organization
		if org == "" {
			org = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Role, a.Email, org)
	}
	tw.Flush()
	fmt.Fprintf(w, "every demo account's password: %s\n\n", seed.DemoPassword)
}

// paymentCredentials is the pair finance and the payment sandbox share.
func paymentCredentials(creds secrets.File) mesh.PaymentCredentials {
	return mesh.PaymentCredentials{APIKey: creds.PaymentSandbox.APIKey, WebhookSecret: creds.PaymentSandbox.WebhookSecret}
}

// carrierCredentials is the pair logistics and the carrier simulator share.
func carrierCredentials(creds secrets.File) mesh.CarrierCredentials {
	return mesh.CarrierCredentials{APIKey: creds.CarrierSim.APIKey, WebhookSecret: creds.CarrierSim.WebhookSecret}
}

// restMarketCredentials are the app key and secret of Crossdock's seller
// account at the REST marketplace simulator.
func restMarketCredentials(creds secrets.File) mesh.RestMarketCredentials {
	return mesh.RestMarketCredentials{AppKey: creds.RestMarketSim.AppKey, AppSecret: creds.RestMarketSim.AppSecret}
}

// supplyCredentials are Crossdock's accounts at the supply simulator and
// their API keys, which the simulator and docking's registration share.
func supplyCredentials(creds secrets.File) mesh.SupplyCredentials {
	return mesh.SupplyCredentials{
		DefaultAccount: mesh.SupplyDefaultAccount, DefaultKey: creds.SupplySim.DefaultKey,
		MerchantAccount: mesh.SupplyMerchantAccount, MerchantKey: creds.SupplySim.MerchantKey,
	}
}

// partnerCredentials are the partner simulator's key and docking's public
// key, the half of DOCKING_SIGNING_KEY the simulator checks calls with.
func partnerCredentials(creds secrets.File) (mesh.PartnerCredentials, error) {
	docking, err := auth.ParseRequestPrivateKey(creds.Docking.SigningKey)
	if err != nil {
		return mesh.PartnerCredentials{}, fmt.Errorf("docking's signing key in %s: %w", secrets.FileName, err)
	}
	if _, err := auth.ParseRequestPrivateKey(creds.PartnerSim.Key); err != nil {
		return mesh.PartnerCredentials{}, fmt.Errorf("the partner simulator's key in %s: %w", secrets.FileName, err)
	}
	return mesh.PartnerCredentials{
		Key:              creds.PartnerSim.Key,
		DockingPublicKey: base64.StdEncoding.EncodeToString(docking.Public().(ed25519.PublicKey)),
	}, nil
}

// partnerPublicKey is the public half of the partner simulator's key, which
// its users API client holds.
func partnerPublicKey(c mesh.PartnerCredentials) (ed25519.PublicKey, error) {
	key, err := auth.ParseRequestPrivateKey(c.Key)
	if err != nil {
		return nil, err
	}
	return key.Public().(ed25519.PublicKey), nil
}
