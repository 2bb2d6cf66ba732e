package grpcapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/payprovider"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

const webhookSecret = "whsec_wire"

// startWallets serves WalletService over the postgres ledger and the
// provider's HTTP client; no provider listens at its URL, so calls to it are
// Unavailable while webhooks, which need only the secret, are verified.
func startWallets(t *testing.T) (financev1.WalletServiceClient, auth.SigningKey) {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	key, keys := testkit.SigningKey(t)
	provider := payprovider.New(payprovider.Config{URL: "http://" + testkit.FreeAddr(t), APIKey: "k", WebhookSecret: webhookSecret, Timeout: time.Second})
	w := app.NewWallets(postgres.NewWallets(postgres.New(pool)), postgres.NewLedger(pool), provider)
	conn := testkit.ServeAPI(t, "finance", keys, grpcapi.PublicMethods, grpcapi.NewWallets(w).Register)
	return financev1.NewWalletServiceClient(conn), key
}

// signedEvent is a provider delivery in the provider's wire format.
func signedEvent(t *testing.T, id string, at time.Time, secret string) *financev1.HandleProviderWebhookRequest {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"id": id, "type": "payment_intent.succeeded", "created": at.Unix(),
		"data": map[string]any{"object": map[string]any{"id": "pi_1", "status": "succeeded", "amount": 100, "currency": "USD", "reference": "not-ours"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &financev1.HandleProviderWebhookRequest{Signature: webhook.Sign([]byte(secret), at, body), Payload: body}
}

func TestWalletServiceOverTheWire(t *testing.T) {
	c, key := startWallets(t)
	buyer := as(t, key, auth.KindUser, auth.RoleBuyer)
	supplier := testkit.As(t, key, auth.Caller{Subject: "s-1", Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: uuid.NewString()})
	service := as(t, key, auth.KindService, auth.RoleService)
	anonymous := context.Background()

	// The webhook takes no token; its signature decides.
	now := time.Now()
	webhooks := []struct {
		name    string
		req     *financev1.HandleProviderWebhookRequest
		code    codes.Code
		applied bool
	}{
		{"signed", signedEvent(t, "evt_1", now, webhookSecret), codes.OK, true},
		{"the same event again", signedEvent(t, "evt_1", now, webhookSecret), codes.OK, false},
		{"another secret", signedEvent(t, "evt_2", now, "whsec_other"), codes.PermissionDenied, false},
		{"replayed six minutes later", signedEvent(t, "evt_3", now.Add(-6*time.Minute), webhookSecret), codes.PermissionDenied, false},
	}
	for _, tt := range webhooks {
		resp, err := c.HandleProviderWebhook(anonymous, tt.req)
		if status.Code(err) != tt.code || resp.GetApplied() != tt.applied {
			t.Errorf("%s: %v, %v", tt.name, resp, err)
		}
	}

	// Everything else needs a token and the right caller.
	if _, err := c.GetWallet(anonymous, &financev1.GetWalletRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("wallet without a token: %v", err)
	}
	if got, err := c.GetWallet(buyer, &financev1.GetWalletRequest{}); err != nil || len(got.GetBalances()) != 0 {
		t.Errorf("a new buyer's wallet: %v, %v", got, err)
	}
	if _, err := c.GetWallet(supplier, &financev1.GetWalletRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("a supplier's wallet: %v", err)
	}
	// The key may come as the Idempotency-Key header the gateway forwards;
	// past validation, the provider is down.
	amount := &commonv1.Money{CurrencyCode: "USD", AmountMinor: 500}
	if _, err := c.CreateTopUp(buyer, &financev1.CreateTopUpRequest{Amount: amount}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("top-up without a key: %v", err)
	}
	withHeader := metadata.AppendToOutgoingContext(buyer, "idempotency-key", "hdr-1")
	if _, err := c.CreateTopUp(withHeader, &financev1.CreateTopUpRequest{Amount: amount}); status.Code(err) != codes.Unavailable {
		t.Errorf("top-up keyed by the header, provider down: %v", err)
	}
	debit := &financev1.DebitMerchantDepositRequest{OrderReference: "mo-1", OrganizationId: uuid.NewString(), Amount: amount}
	// The deprecated method keeps working until its callers are gone.
	//lint:ignore SA1019 tests the deprecated method on purpose
	if _, err := c.DebitMerchantDeposit(buyer, debit); status.Code(err) != codes.PermissionDenied {
		t.Errorf("a buyer debits a deposit: %v", err)
	}
	//lint:ignore SA1019 tests the deprecated method on purpose
	if _, err := c.DebitMerchantDeposit(service, debit); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("debit of an empty deposit: %v", err)
	}
}
