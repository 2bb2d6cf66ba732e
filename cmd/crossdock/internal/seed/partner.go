package seed

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
)

// DemoPartner is the partner platform the demo docks with: the partner
// simulator, registered under Code at Endpoint, proving its handshakes with
// the private half of PublicKey.
type DemoPartner struct {
	Code      string
	Endpoint  string // host:port of the simulator's gRPC server
	PublicKey ed25519.PublicKey
}

// PartnerClientName names the demo partner's users API client.
const PartnerClientName = "Demo partner (partner simulator)"

// PartnerResult is where the demo partner stands after Partner.
type PartnerResult struct {
	PartnerID string
	Status    dockingv1.PartnerStatus
	// Warning says why the partner is not VERIFIED when the handshake
	// failed (a simulator started with a fault, say); empty otherwise.
	Warning string
}

// Partner registers the demo partner, as an admin would: a users API client
// of kind PARTNER holding the simulator's public key (created once, its key
// replaced if it differs), the partner in docking's registry (created once;
// its endpoint updated when the mesh's ports moved) and a handshake, unless
// an operator suspended it. A failed handshake is reported, not returned:
// the mesh runs without a verified partner.
func Partner(ctx context.Context, usersAddr, dockingAddr string, p DemoPartner) (PartnerResult, error) {
	session, err := signInAdmin(ctx, usersAddr, dockingAddr)
	if err != nil {
		return PartnerResult{}, err
	}
	defer session.close()
	admin, users, docking := session.ctx, session.users, session.docking
	partner, err := findPartner(admin, docking, p.Code)
	if err != nil {
		return PartnerResult{}, err
	}
	clientID := partner.GetApiClientId()
	if err := ensurePartnerClient(admin, users, &clientID, p.PublicKey); err != nil {
		return PartnerResult{}, err
	}
	if partner == nil {
		created, err := docking.CreatePartner(admin, &dockingv1.CreatePartnerRequest{
			Name: "Demo partner marketplace", Code: p.Code, Protocol: dockingv1.PartnerProtocol_PARTNER_PROTOCOL_STANDARD_GRPC,
			Endpoint: p.Endpoint, ApiClientId: clientID, Locales: []string{"de"}, CommissionBps: DemoCommissionBps,
		})
		if err != nil {
			return PartnerResult{}, fmt.Errorf("create partner %s: %w", p.Code, err)
		}
		partner = created.GetPartner()
	}
	if partner.GetEndpoint() != p.Endpoint {
		updated, err := docking.UpdatePartner(admin, &dockingv1.UpdatePartnerRequest{PartnerId: partner.GetPartnerId(), Endpoint: proto.String(p.Endpoint)})
		if err != nil {
			return PartnerResult{}, fmt.Errorf("move partner %s to %s: %w", p.Code, p.Endpoint, err)
		}
		partner = updated.GetPartner()
	}
	return verify(admin, docking, partner)
}

// verify runs a partner's handshake unless an operator suspended it; a
// refused handshake is a warning, not an error.
func verify(admin context.Context, docking dockingv1.DockingServiceClient, partner *dockingv1.Partner) (PartnerResult, error) {
	res := PartnerResult{PartnerID: partner.GetPartnerId(), Status: partner.GetStatus()}
	if partner.GetStatus() == dockingv1.PartnerStatus_PARTNER_STATUS_SUSPENDED {
		return res, nil // an operator's choice, kept
	}
	verified, err := docking.VerifyPartner(admin, &dockingv1.VerifyPartnerRequest{PartnerId: partner.GetPartnerId()})
	switch {
	case status.Code(err) == codes.FailedPrecondition:
		res.Warning = status.Convert(err).Message()
		return res, nil
	case err != nil:
		return PartnerResult{}, fmt.Errorf("verify partner %s: %w", partner.GetCode(), err)
	}
	res.Status = verified.GetPartner().GetStatus()
	return res, nil
}

// DemoRestPartner is the REST marketplace the demo docks with too: the
// REST simulator at Endpoint (its base URL), which issued Crossdock the
// app key and secret.
type DemoRestPartner struct {
	Code              string
	Endpoint          string
	AppKey, AppSecret string
}

// DemoCommissionBps is the demo partners' commission, as the simulators
// charge it (their fixed fee per order is zero in the demo).
const DemoCommissionBps = 1200

// RestPartner registers the demo REST partner as an admin would (created
// once with its credentials; moved, with the credentials given again, when
// the mesh's ports moved) and verifies it unless suspended.
func RestPartner(ctx context.Context, usersAddr, dockingAddr string, p DemoRestPartner) (PartnerResult, error) {
	session, err := signInAdmin(ctx, usersAddr, dockingAddr)
	if err != nil {
		return PartnerResult{}, err
	}
	defer session.close()
	admin, docking := session.ctx, session.docking
	partner, err := findPartner(admin, docking, p.Code)
	if err != nil {
		return PartnerResult{}, err
	}
	creds := &dockingv1.PartnerCredentials{AppKey: p.AppKey, AppSecret: p.AppSecret}
	switch {
	case partner == nil:
		created, err := docking.CreatePartner(admin, &dockingv1.CreatePartnerRequest{
			Name: "Demo REST marketplace", Code: p.Code, Protocol: dockingv1.PartnerProtocol_PARTNER_PROTOCOL_REST_MARKETPLACE,
			Endpoint: p.Endpoint, Locales: []string{"en"}, CommissionBps: DemoCommissionBps, Credentials: creds,
		})
		if err != nil {
			return PartnerResult{}, fmt.Errorf("create partner %s: %w", p.Code, err)
		}
		partner = created.GetPartner()
	case partner.GetEndpoint() != p.Endpoint:
		updated, err := docking.UpdatePartner(admin, &dockingv1.UpdatePartnerRequest{PartnerId: partner.GetPartnerId(),
			Endpoint: proto.String(p.Endpoint), Credentials: creds})
		if err != nil {
			return PartnerResult{}, fmt.Errorf("move partner %s to %s: %w", p.Code, p.Endpoint, err)
		}
		partner = updated.GetPartner()
	}
	return verify(admin, docking, partner)
}

// findPartner returns the partner registered under code, or nil.
// adminSession is the admin signed in, with clients of users and docking.
type adminSession struct {
	ctx     context.Context // carries the admin's token
	users   usersv1.UsersServiceClient
	docking dockingv1.DockingServiceClient
	close   func() // closes both connections
}

// signInAdmin connects to users and docking and signs the admin in, as the
// partners' registration needs both.
func signInAdmin(ctx context.Context, usersAddr, dockingAddr string) (adminSession, error) {
	conns, closeAll, err := dial(map[string]string{"users": usersAddr, "docking": dockingAddr})
	if err != nil {
		return adminSession{}, err
	}
	users := usersv1.NewUsersServiceClient(conns["users"])
	admin, err := login(ctx, users, AdminEmail)
	if err != nil {
		closeAll()
		return adminSession{}, fmt.Errorf("log in the admin: %w", err)
	}
	return adminSession{ctx: admin, users: users, docking: dockingv1.NewDockingServiceClient(conns["docking"]), close: closeAll}, nil
}

func findPartner(admin context.Context, docking dockingv1.DockingServiceClient, code string) (*dockingv1.Partner, error) {
	list, err := docking.ListPartners(admin, &dockingv1.ListPartnersRequest{})
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	for _, p := range list.GetPartners() {
		if p.GetCode() == code {
			return p, nil
		}
	}
	return nil, nil
}

// ensurePartnerClient makes *clientID (the registered partner's client, or
// empty for the one named PartnerClientName, created when missing) an
// enabled PARTNER client holding key, rotating to key if it holds another.
func ensurePartnerClient(admin context.Context, users usersv1.UsersServiceClient, clientID *string, key ed25519.PublicKey) error {
	list, err := users.ListApiClients(admin, &usersv1.ListApiClientsRequest{})
	if err != nil {
		return fmt.Errorf("list API clients: %w", err)
	}
	var client *usersv1.ApiClient
	for _, c := range list.GetClients() {
		switch {
		case *clientID != "" && c.GetClientId() == *clientID:
			client = c
		case *clientID == "" && c.GetName() == PartnerClientName && c.GetKind() == usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER && !c.GetDisabled():
			client = c // the newest, as the list is oldest first
		}
	}
	encoded := base64.StdEncoding.EncodeToString(key)
	if client == nil {
		if *clientID != "" {
			return fmt.Errorf("the demo partner's API client %s is gone (start with --fresh)", *clientID)
		}
		created, err := users.CreateApiClient(admin, &usersv1.CreateApiClientRequest{
			Name: PartnerClientName, Kind: usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER, PublicKey: encoded,
		})
		if err != nil {
			return fmt.Errorf("create the demo partner's API client: %w", err)
		}
		*clientID = created.GetClient().GetClientId()
		return nil
	}
	*clientID = client.GetClientId()
	if client.GetDisabled() {
		return fmt.Errorf("the demo partner's API client %s is disabled (start with --fresh)", client.GetClientId())
	}
	if held, err := auth.ParseRequestPublicKey(client.GetPublicKey()); err == nil && bytes.Equal(held, key) {
		return nil
	}
	if _, err := users.RotateApiClientSecret(admin, &usersv1.RotateApiClientSecretRequest{ClientId: client.GetClientId(), PublicKey: encoded}); err != nil {
		return fmt.Errorf("give the demo partner's API client the simulator's key: %w", err)
	}
	return nil
}
