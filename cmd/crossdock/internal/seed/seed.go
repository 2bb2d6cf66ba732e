// Package seed fills a fresh local mesh with demo data through the services'
// own APIs: the accounts a developer needs to try every role. Every step is
// idempotent, so it runs on every `crossdock up`.
package seed

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

// DemoPassword is the password of every demo account. It is for a local mesh
// only, and printed on start-up.
const DemoPassword = "crossdock-demo-2026"

// The demo accounts. AdminEmail is the bootstrap administrator the users
// service creates itself; the others are created through the API.
const (
	AdminEmail      = "admin@demo.crossdock.test"
	ReviewerEmail   = "reviewer@demo.crossdock.test"
	TranslatorEmail = "translator@demo.crossdock.test"
	BuyerEmail      = "buyer@demo.crossdock.test"
	SupplierEmail   = "supplier@demo.crossdock.test"
	Supplier2Email  = "supplier2@demo.crossdock.test"
	MerchantEmail   = "merchant@demo.crossdock.test"
	// SupplyEmail's organization is the demo supply platform's supplier:
	// docking imports the platform's goods as its products.
	SupplyEmail = "supply@demo.crossdock.test"
)

// Account is one demo login.
type Account struct {
	Role, Email, Organization string
}

// DemoTier is the merchant tier the demo merchant is put in.
var DemoTier = &usersv1.MerchantTier{Code: "standard", Name: "Standard", Rank: 1}

// Accounts seeds the demo accounts through the users service at addr and
// returns them.
func Accounts(ctx context.Context, usersAddr string) ([]Account, error) {
	conn, err := grpc.NewClient(usersAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	users := usersv1.NewUsersServiceClient(conn)

	admin, err := login(ctx, users, AdminEmail)
	if err != nil {
		return nil, fmt.Errorf("log in as the bootstrap admin: %w", err)
	}
	out := []Account{{Role: "admin", Email: AdminEmail}}
	for _, op := range []struct {
		role  usersv1.OperatorRole
		name  string
		email string
	}{
		{usersv1.OperatorRole_OPERATOR_ROLE_REVIEWER, "reviewer", ReviewerEmail},
		{usersv1.OperatorRole_OPERATOR_ROLE_TRANSLATOR, "translator", TranslatorEmail},
	} {
		_, err := users.CreateOperator(admin, &usersv1.CreateOperatorRequest{
			Email: op.email, Password: DemoPassword, DisplayName: "Demo " + op.name, Role: op.role,
		})
		if ignoreExists(err) != nil {
			return nil, fmt.Errorf("operator %s: %w", op.email, err)
		}
		out = append(out, Account{Role: op.name, Email: op.email})
	}

	if _, err := users.CreateMerchantTier(admin, &usersv1.CreateMerchantTierRequest{Tier: DemoTier}); ignoreExists(err) != nil {
		return nil, fmt.Errorf("merchant tier: %w", err)
	}
	for _, a := range []struct {
		typ          usersv1.AccountType
		role, email  string
		organization string
	}{
		{usersv1.AccountType_ACCOUNT_TYPE_BUYER, "buyer", BuyerEmail, ""},
		{usersv1.AccountType_ACCOUNT_TYPE_SUPPLIER, "supplier", SupplierEmail, "Shenzhen Gadget Works"},
		{usersv1.AccountType_ACCOUNT_TYPE_SUPPLIER, "supplier", Supplier2Email, "Porto Linen Co"},
		{usersv1.AccountType_ACCOUNT_TYPE_MERCHANT, "merchant", MerchantEmail, "Lisboa Corner Shop"},
		{usersv1.AccountType_ACCOUNT_TYPE_SUPPLIER, "supplier", SupplyEmail, SupplyOrganization},
	} {
		// Signed in first: an account seeded by an earlier start is not
		// signed up again, as users throttles a client's sign-ups that
		// find their address taken.
		if _, err := login(ctx, users, a.email); err != nil {
			_, err := users.SignUp(ctx, &usersv1.SignUpRequest{
				Email: a.email, Password: DemoPassword, DisplayName: "Demo " + a.role,
				AccountType: a.typ, OrganizationName: a.organization,
			})
			if ignoreExists(err) != nil {
				return nil, fmt.Errorf("sign up %s: %w", a.email, err)
			}
		}
		if a.organization != "" {
			if err := approve(ctx, users, admin, a.email, a.typ == usersv1.AccountType_ACCOUNT_TYPE_MERCHANT); err != nil {
				return nil, fmt.Errorf("organization of %s: %w", a.email, err)
			}
		}
		out = append(out, Account{Role: a.role, Email: a.email, Organization: a.organization})
	}
	return out, nil
}

// approve approves the organization of the account at email (if still
// pending) and puts a merchant in the demo tier.
func approve(ctx context.Context, users usersv1.UsersServiceClient, admin context.Context, email string, merchant bool) error {
	owner, err := login(ctx, users, email)
	if err != nil {
		return err
	}
	me, err := users.GetMe(owner, &usersv1.GetMeRequest{})
	if err != nil {
		return err
	}
	org := me.GetOrganization()
	if org.GetStatus() == usersv1.OrganizationStatus_ORGANIZATION_STATUS_PENDING {
		if _, err := users.ApproveOrganization(admin, &usersv1.ApproveOrganizationRequest{OrganizationId: org.GetOrganizationId()}); err != nil {
			return err
		}
	}
	if merchant && org.GetMerchantTier() != DemoTier.GetCode() {
		_, err = users.SetMerchantTier(admin, &usersv1.SetMerchantTierRequest{OrganizationId: org.GetOrganizationId(), TierCode: DemoTier.GetCode()})
	}
	return err
}

// login returns a context carrying the account's access token.
func login(ctx context.Context, users usersv1.UsersServiceClient, email string) (context.Context, error) {
	resp, err := users.Login(ctx, &usersv1.LoginRequest{Email: email, Password: DemoPassword})
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+resp.GetTokens().GetAccessToken()), nil
}

func ignoreExists(err error) error {
	if status.Code(err) == codes.AlreadyExists {
		return nil
	}
	return err
}
