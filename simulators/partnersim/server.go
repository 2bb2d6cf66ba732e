package partnersim

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
)

// Config is a simulated partner.
type Config struct {
	// Code is the partner's code in Crossdock's registry; a handshake for
	// another code is refused.
	Code string
	// Key is the private key of the partner's Crossdock API client: it
	// signs the handshake proof.
	Key ed25519.PrivateKey
	// CrossdockClientID and CrossdockKey are who may call: the client id
	// Crossdock signs as and its public key.
	CrossdockClientID string
	CrossdockKey      ed25519.PublicKey
	// WrongKey proves with a key Crossdock does not know.
	WrongKey bool
	// Refuse answers every handshake PERMISSION_DENIED.
	Refuse bool
	// Market is the marketplace behind the listing, order, shipment and
	// settlement calls; nil is an empty one without faults.
	Market *Market
	// WebhookAddr is Crossdock's PartnerService (gRPC, plaintext): every
	// order change is notified there with NotifyOrderChanged, signed as
	// ClientID with Key, the partner's own Crossdock API client. Empty
	// sends no webhooks. An empty ClientID is learned from Crossdock's
	// verification handshake, which names the client the registration
	// holds; until then notifications are dropped.
	WebhookAddr string
	ClientID    string
	// Log receives webhook failures; nil discards them.
	Log *slog.Logger
}

// Server is a running simulated partner.
type Server struct {
	partnerv1.UnimplementedMarketplaceServiceServer
	cfg        Config
	wrongKey   ed25519.PrivateKey
	market     *Market
	handshakes atomic.Int64
	grpc       *grpc.Server
	// webhooks is nil without a WebhookAddr.
	webhooks *webhooks
	// clientID is the partner's Crossdock API client id: configured, or
	// learned from the last verification handshake.
	clientID atomic.Pointer[string]
}

// ClientID is the Crossdock API client id the partner signs its calls as;
// empty until configured or learned from a handshake.
func (s *Server) ClientID() string { return *s.clientID.Load() }

// New returns a partner that checks calls against cfg's Crossdock key.
func New(cfg Config) (*Server, error) {
	if len(cfg.Key) != ed25519.PrivateKeySize || len(cfg.CrossdockKey) != ed25519.PublicKeySize {
		return nil, errors.New("partnersim: Key and CrossdockKey must be Ed25519 keys")
	}
	if cfg.Code == "" || cfg.CrossdockClientID == "" {
		return nil, errors.New("partnersim: Code and CrossdockClientID are required")
	}
	_, wrong, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if cfg.Market == nil {
		cfg.Market = NewMarket(MarketConfig{})
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, wrongKey: wrong, market: cfg.Market}
	s.clientID.Store(&cfg.ClientID)
	if cfg.WebhookAddr != "" {
		if s.webhooks, err = newWebhooks(cfg.WebhookAddr, s.ClientID, cfg.Key, cfg.Market, cfg.Log); err != nil {
			return nil, err
		}
	}
	verifier := &auth.RequestVerifier{Keys: s.crossdock, Nonces: auth.NewMemoryNonceStore()}
	s.grpc = grpc.NewServer(grpc.ChainUnaryInterceptor(statusOf, auth.SignedUnaryServerInterceptor(verifier)))
	partnerv1.RegisterMarketplaceServiceServer(s.grpc, s)
	// The standard health service needs no signature (pkg/auth), so probes
	// (crossdock up's, the kubelet's) can ask it.
	healthpb.RegisterHealthServer(s.grpc, health.NewServer())
	return s, nil
}

// crossdock is the simulator's one known client: Crossdock.
func (s *Server) crossdock(_ context.Context, clientID string) (auth.APIClient, error) {
	if clientID != s.cfg.CrossdockClientID {
		return auth.APIClient{}, apperr.NotFound("client", clientID)
	}
	return auth.APIClient{Keys: []ed25519.PublicKey{s.cfg.CrossdockKey}}, nil
}

// statusOf turns pkg/auth's errors into gRPC statuses, as a partner's own
// server would answer them.
func statusOf(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err != nil {
		return nil, grpcerr.Error(err)
	}
	return resp, nil
}

// Serve serves on l until Stop.
func (s *Server) Serve(l net.Listener) error { return s.grpc.Serve(l) }

// Stop stops serving and sending webhooks at once.
func (s *Server) Stop() {
	s.grpc.Stop()
	s.stopWebhooks()
}

// GracefulStop stops accepting calls and waits for those under way, then
// stops sending webhooks (those not sent yet are dropped).
func (s *Server) GracefulStop() {
	s.grpc.GracefulStop()
	s.stopWebhooks()
}

func (s *Server) stopWebhooks() {
	if s.webhooks != nil {
		s.webhooks.close()
	}
}

// Market is the marketplace the server answers for.
func (s *Server) Market() *Market { return s.market }

// Handshakes counts the handshakes answered with a proof.
func (s *Server) Handshakes() int64 { return s.handshakes.Load() }

// handshakeContext is the protocol's context string of a proof.
const handshakeContext = "crossdock-partner-handshake-v1\n"

// Handshake answers Crossdock's challenge with the proof.
func (s *Server) Handshake(_ context.Context, req *partnerv1.HandshakeRequest) (*partnerv1.HandshakeResponse, error) {
	if s.cfg.Refuse {
		return nil, status.Error(codes.PermissionDenied, "partnersim: refusing handshakes")
	}
	if req.GetPartnerCode() != s.cfg.Code {
		return nil, status.Error(codes.PermissionDenied, "partnersim: not my partner code")
	}
	if len(req.GetChallenge()) < 16 {
		return nil, status.Error(codes.InvalidArgument, "partnersim: challenge too short")
	}
	key := s.cfg.Key
	if s.cfg.WrongKey {
		key = s.wrongKey
	}
	msg := slices.Concat([]byte(handshakeContext), []byte(req.GetPartnerCode()), []byte("\n"), req.GetChallenge())
	s.handshakes.Add(1)
	if id := req.GetApiClientId(); id != "" && s.cfg.ClientID == "" {
		// The call is Crossdock's (signed): the client it names is ours.
		s.clientID.Store(&id)
	}
	return &partnerv1.HandshakeResponse{Proof: ed25519.Sign(key, msg)}, nil
}
