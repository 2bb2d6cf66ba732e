package grpcapi_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/argon2id"
	"github.com/crossdock/crossdock/services/users/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/users/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const password = "correct horse battery staple"

// start runs the real gRPC server (the kit's interceptors plus the
// service's authentication) on a loopback port.
func start(t *testing.T) (usersv1.UsersServiceClient, *app.Service, *grpc.ClientConn) {
	t.Helper()
	_, svc := newService(t)
	// The same authentication the runtime installs: a default verifier on
	// the service's own key store, and the contract's public methods.
	conn := testkit.ServeAPI(t, "users", svc.JWKS, grpcapi.PublicMethods, grpcapi.New(svc).Register)
	return usersv1.NewUsersServiceClient(conn), svc, conn
}

var bearer = testkit.Bearer

func wantCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	if got := status.Code(err); got != code {
		t.Fatalf("code = %v (%v), want %v", got, err, code)
	}
}

// badFields returns the fields a status's BadRequest names.
func badFields(err error) map[string]bool {
	fields := map[string]bool{}
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields[v.GetField()] = true
			}
		}
	}
	return fields
}

func login(t *testing.T, c usersv1.UsersServiceClient, email, pw string) *usersv1.TokenPair {
	t.Helper()
	resp, err := c.Login(context.Background(), &usersv1.LoginRequest{Email: email, Password: pw})
	if err != nil {
		t.Fatalf("Login(%s): %v", email, err)
	}
	return resp.GetTokens()
}

func signUp(t *testing.T, c usersv1.UsersServiceClient, email string, kind usersv1.AccountType) *usersv1.SignUpResponse {
	t.Helper()
	resp, err := c.SignUp(context.Background(), &usersv1.SignUpRequest{Email: email, Password: password, DisplayName: "P", AccountType: kind, OrganizationName: "Org"})
	if err != nil {
		t.Fatalf("SignUp(%s): %v", email, err)
	}
	return resp
}

func TestAuthenticationEndToEnd(t *testing.T) {
	c, svc, conn := start(t)
	ctx := context.Background()

	// Probes need no token; protected methods do.
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health without token: %v", err)
	}
	_, err := c.GetMe(ctx, &usersv1.GetMeRequest{})
	wantCode(t, err, codes.Unauthenticated)
	_, err = c.GetMe(bearer("not-a-jwt"), &usersv1.GetMeRequest{})
	wantCode(t, err, codes.Unauthenticated)

	signUp(t, c, "ann@example.com", usersv1.AccountType_ACCOUNT_TYPE_BUYER)
	tokens := login(t, c, "ann@example.com", password)
	if tokens.GetTokenType() != "Bearer" || tokens.GetExpiresIn() != 900 {
		t.Errorf("token pair = %v", tokens)
	}
	me, err := c.GetMe(bearer(tokens.GetAccessToken()), &usersv1.GetMeRequest{})
	if err != nil || me.GetUser().GetEmail() != "ann@example.com" {
		t.Fatalf("GetMe = %v, %v", me, err)
	}

	// A well-formed token signed by a key the service never issued.
	rogue, _ := auth.NewSigningKey()
	forged, _ := auth.Sign(rogue, auth.Caller{Subject: me.GetUser().GetUserId(), Kind: auth.KindUser, Roles: []string{"admin"}}, time.Minute, time.Now())
	_, err = c.GetMe(bearer(forged), &usersv1.GetMeRequest{})
	wantCode(t, err, codes.Unauthenticated)

	// After a rotation, tokens of the old key still work, and so do new ones.
	if _, err := svc.BootstrapAdmin(ctx, "root@example.com", "an admin passphrase"); err != nil {
		t.Fatal(err)
	}
	admin := login(t, c, "root@example.com", "an admin passphrase")
	rot, err := c.RotateSigningKey(bearer(admin.GetAccessToken()), &usersv1.RotateSigningKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetMe(bearer(tokens.GetAccessToken()), &usersv1.GetMeRequest{}); err != nil {
		t.Errorf("old token after rotation: %v", err)
	}
	jwks, err := c.GetJwks(ctx, &usersv1.GetJwksRequest{})
	if err != nil || len(jwks.GetKeys()) != 3 || jwks.GetKeys()[1].GetKid() != rot.GetKid() {
		t.Fatalf("JWKS after rotation = %v, %v", jwks, err)
	}
	// The promoted key was published before the rotation, so the verifier
	// (which fetched keys for the first GetMe) accepts its tokens at once.
	fresh := login(t, c, "ann@example.com", password)
	if _, err = c.GetMe(bearer(fresh.GetAccessToken()), &usersv1.GetMeRequest{}); err != nil {
		t.Errorf("token of the new key: %v", err)
	}
	// A non-admin may not rotate.
	_, err = c.RotateSigningKey(bearer(fresh.GetAccessToken()), &usersv1.RotateSigningKeyRequest{})
	wantCode(t, err, codes.PermissionDenied)

	// Refresh works once; the reuse is refused and kills the family.
	next, err := c.Refresh(ctx, &usersv1.RefreshRequest{RefreshToken: fresh.GetRefreshToken()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Refresh(ctx, &usersv1.RefreshRequest{RefreshToken: fresh.GetRefreshToken()})
	wantCode(t, err, codes.Unauthenticated)
	_, err = c.Refresh(ctx, &usersv1.RefreshRequest{RefreshToken: next.GetTokens().GetRefreshToken()})
	wantCode(t, err, codes.Unauthenticated)
}

func TestErrorsOverTheWire(t *testing.T) {
	c, svc, _ := start(t)
	ctx := context.Background()

	// Bad input: InvalidArgument with a BadRequest naming the fields.
	_, err := c.SignUp(ctx, &usersv1.SignUpRequest{Email: "nope", Password: "short", DisplayName: "X", AccountType: usersv1.AccountType_ACCOUNT_TYPE_BUYER})
	wantCode(t, err, codes.InvalidArgument)
	fields := badFields(err)
	if !fields["email"] || !fields["password"] || len(fields) != 2 {
		t.Errorf("violations = %v, want email and password", fields)
	}
	_, err = c.Login(ctx, &usersv1.LoginRequest{Email: "ann@example.com", Password: "whatever-it-is"})
	wantCode(t, err, codes.Unauthenticated)

	signUp(t, c, "ann@example.com", usersv1.AccountType_ACCOUNT_TYPE_BUYER)
	_, err = c.SignUp(ctx, &usersv1.SignUpRequest{Email: "ANN@example.com", Password: password, DisplayName: "X", AccountType: usersv1.AccountType_ACCOUNT_TYPE_BUYER})
	wantCode(t, err, codes.AlreadyExists)
	sup := signUp(t, c, "sup@example.com", usersv1.AccountType_ACCOUNT_TYPE_SUPPLIER)
	signUp(t, c, "eve@example.com", usersv1.AccountType_ACCOUNT_TYPE_BUYER)
	ann := bearer(login(t, c, "ann@example.com", password).GetAccessToken())
	eve := bearer(login(t, c, "eve@example.com", password).GetAccessToken())

	addr := &commonv1.Address{Recipient: "Ann", Phone: "+861012345678", CountryCode: "CN", RegionCode: "CN-GD", City: "Shenzhen", Lines: []string{"1 Road"}}
	created, err := c.CreateAddress(ann, &usersv1.CreateAddressRequest{Address: addr})
	if err != nil || !created.GetAddress().GetIsDefault() {
		t.Fatalf("CreateAddress = %v, %v", created, err)
	}
	_, err = c.GetAddress(eve, &usersv1.GetAddressRequest{AddressId: created.GetAddress().GetAddressId()})
	wantCode(t, err, codes.NotFound)
	_, err = c.GetAddress(eve, &usersv1.GetAddressRequest{AddressId: "not-a-uuid"})
	wantCode(t, err, codes.InvalidArgument)
	_, err = c.CreateAddress(ann, &usersv1.CreateAddressRequest{})
	wantCode(t, err, codes.InvalidArgument)

	_, err = c.ApproveOrganization(ann, &usersv1.ApproveOrganizationRequest{OrganizationId: sup.GetOrganization().GetOrganizationId()})
	wantCode(t, err, codes.PermissionDenied)
	_, err = c.GetOrganization(ann, &usersv1.GetOrganizationRequest{OrganizationId: sup.GetOrganization().GetOrganizationId()})
	wantCode(t, err, codes.NotFound)

	// Service accounts: a token from IssueServiceToken reads partner keys.
	if err := svc.EnsureServiceClients(ctx, []app.ServiceClient{{ID: "platform-docking", Secret: "docking-secret-0123456789"}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.IssueServiceToken(ctx, &usersv1.IssueServiceTokenRequest{ClientId: "platform-docking", ClientSecret: "wrong-secret-0123456789"})
	wantCode(t, err, codes.Unauthenticated)
	st, err := c.IssueServiceToken(ctx, &usersv1.IssueServiceTokenRequest{ClientId: "platform-docking", ClientSecret: "docking-secret-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetApiClientKeys(bearer(st.GetAccessToken()), &usersv1.GetApiClientKeysRequest{ClientId: "unknown"})
	wantCode(t, err, codes.NotFound)
	_, err = c.GetApiClientKeys(ann, &usersv1.GetApiClientKeysRequest{ClientId: "unknown"})
	wantCode(t, err, codes.PermissionDenied)
	_, err = c.GetMe(bearer(st.GetAccessToken()), &usersv1.GetMeRequest{})
	wantCode(t, err, codes.PermissionDenied)

	// FindAccounts: for services; each malformed id named.
	supOrg := sup.GetOrganization().GetOrganizationId()
	found, err := c.FindAccounts(bearer(st.GetAccessToken()), &usersv1.FindAccountsRequest{
		UserIds: []string{sup.GetUser().GetUserId(), supOrg}, OrganizationIds: []string{supOrg}})
	if err != nil || len(found.GetUserIds()) != 1 || found.GetUserIds()[0] != sup.GetUser().GetUserId() ||
		len(found.GetOrganizations()) != 1 || found.GetOrganizations()[0].GetKind() != usersv1.OrganizationKind_ORGANIZATION_KIND_SUPPLIER {
		t.Errorf("FindAccounts = %v, %v", found, err)
	}
	_, err = c.FindAccounts(bearer(st.GetAccessToken()), &usersv1.FindAccountsRequest{UserIds: []string{sup.GetUser().GetUserId(), "nope"}})
	wantCode(t, err, codes.InvalidArgument)
	if got := badFields(err); !got["user_ids[1]"] || len(got) != 1 {
		t.Errorf("violations %v, want user_ids[1]", got)
	}
	_, err = c.FindAccounts(ann, &usersv1.FindAccountsRequest{UserIds: []string{sup.GetUser().GetUserId()}})
	wantCode(t, err, codes.PermissionDenied)

	// A partner gets its private key once; the keys served to verifiers and
	// the listing hold its public key only.
	if _, err := svc.BootstrapAdmin(ctx, "root@example.com", "an admin passphrase"); err != nil {
		t.Fatal(err)
	}
	admin := bearer(login(t, c, "root@example.com", "an admin passphrase").GetAccessToken())
	partner, err := c.CreateApiClient(admin, &usersv1.CreateApiClientRequest{Name: "DH", Kind: usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := auth.ParseRequestPrivateKey(partner.GetPrivateKey())
	if err != nil || partner.GetSecret() != "" {
		t.Fatalf("partner shown private key %q and secret %q: %v", partner.GetPrivateKey(), partner.GetSecret(), err)
	}
	listed, err := auth.ParseRequestPublicKey(partner.GetClient().GetPublicKey())
	if err != nil || !listed.Equal(priv.Public()) {
		t.Fatalf("listed public key %q: %v", partner.GetClient().GetPublicKey(), err)
	}
	keys, err := c.GetApiClientKeys(bearer(st.GetAccessToken()), &usersv1.GetApiClientKeysRequest{ClientId: partner.GetClient().GetClientId()})
	if err != nil || len(keys.GetKeys()) != 1 || !ed25519.PublicKey(keys.GetKeys()[0].GetPublicKey()).Equal(priv.Public()) {
		t.Fatalf("served keys = %v, %v; want the partner's public key", keys, err)
	}
	_, err = c.CreateApiClient(admin, &usersv1.CreateApiClientRequest{Name: "DH", Kind: usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER, PublicKey: "nope"})
	wantCode(t, err, codes.InvalidArgument)

	// A rotation to the key the partner already has replaces nothing: no
	// previous credential's end is given (it was 0001-01-01).
	rotated, err := c.RotateApiClientSecret(admin, &usersv1.RotateApiClientSecretRequest{ClientId: partner.GetClient().GetClientId(),
		PublicKey: partner.GetClient().GetPublicKey()})
	if err != nil || rotated.GetPreviousExpiresAt() != nil {
		t.Errorf("rotation to the same key: previous expires at %v, %v; want unset", rotated.GetPreviousExpiresAt(), err)
	}
	rotated, err = c.RotateApiClientSecret(admin, &usersv1.RotateApiClientSecretRequest{ClientId: partner.GetClient().GetClientId()})
	if err != nil || rotated.GetPreviousExpiresAt() == nil || rotated.GetPrivateKey() == "" {
		t.Fatalf("rotation to a new key: %v, %v; want the previous key's end and the new private key", rotated, err)
	}
	if left := time.Until(rotated.GetPreviousExpiresAt().AsTime()); left < 23*time.Hour || left > 24*time.Hour {
		t.Errorf("with no overlap given the previous key works %v more, want the default 24 h", left)
	}
	// An overlap of zero (a leaked key) ends every previous key at once:
	// only the newest is served.
	rotated, err = c.RotateApiClientSecret(admin, &usersv1.RotateApiClientSecretRequest{ClientId: partner.GetClient().GetClientId(), Overlap: durationpb.New(0)})
	if err != nil || rotated.GetPreviousExpiresAt() == nil || time.Until(rotated.GetPreviousExpiresAt().AsTime()) > time.Second {
		t.Fatalf("rotation with no overlap: %v, %v; want the previous key ended now", rotated, err)
	}
	newest, err := auth.ParseRequestPublicKey(rotated.GetClient().GetPublicKey())
	if err != nil {
		t.Fatal(err)
	}
	keys, err = c.GetApiClientKeys(bearer(st.GetAccessToken()), &usersv1.GetApiClientKeysRequest{ClientId: partner.GetClient().GetClientId()})
	if err != nil || len(keys.GetKeys()) != 1 || !ed25519.PublicKey(keys.GetKeys()[0].GetPublicKey()).Equal(newest) {
		t.Errorf("served keys after a rotation with no overlap = %v, %v; want the newest only", keys, err)
	}
}

// newService is the users service on a fresh migrated database, with cheap
// password hashing for tests.
func newService(t *testing.T) (*pgxpool.Pool, *app.Service) {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	cfg := app.DefaultConfig()
	cfg.Password = argon2id.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	cfg.RefreshReuseGrace = 0 // a reuse is refused at once (the grace is tested in app)
	keys, err := kek.Parse(kek.Generate("test"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(postgres.New(pool, keys), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return pool, svc
}
