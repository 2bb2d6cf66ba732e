package app

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Errors of the handshake.
var (
	// ErrHandshakeFailed is the partner failing to prove itself; the
	// message of each instance says how.
	ErrHandshakeFailed    = apperr.FailedPrecondition("the partner's handshake failed").WithReason("HANDSHAKE_FAILED")
	ErrProtocolNotSupport = apperr.FailedPrecondition("partners of this protocol cannot be verified yet").WithReason("PROTOCOL_NOT_SUPPORTED")
	ErrChangedMeanwhile   = apperr.Aborted("the partner was changed during its handshake: verify it again").WithReason("PARTNER_CHANGED")
)

// HandshakeFailed is ErrHandshakeFailed with a precise message (it still
// matches ErrHandshakeFailed under errors.Is).
func HandshakeFailed(msg string, cause error) error {
	e := apperr.FailedPrecondition("the partner's handshake failed: " + msg).WithReason("HANDSHAKE_FAILED")
	if cause != nil {
		return e.Wrap(cause)
	}
	return e
}

// VerifyPartner runs the handshake with the partner's endpoint (or, for a
// protocol without one, checks the credentials it issued us) and, when the
// partner proves it holds its API client's key (or those credentials),
// marks it verified (admins). The call to the partner happens outside any transaction; the
// result is saved only if nobody changed the partner meanwhile, so a proof
// for an old endpoint never verifies a new one. A failure changes nothing.
func (s *Service) VerifyPartner(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Partner, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Partner{}, err
	}
	p, err := s.store.GetPartner(ctx, id)
	if err != nil {
		return domain.Partner{}, err
	}
	if err := p.CanVerify(); err != nil {
		return domain.Partner{}, err
	}
	if err := s.prove(ctx, p); err != nil {
		return domain.Partner{}, err
	}
	now := s.clock()
	return s.store.UpdatePartner(ctx, id, func(cur *domain.Partner) error {
		if cur.Version != p.Version {
			return ErrChangedMeanwhile
		}
		return cur.MarkVerified(now)
	})
}

// prove has the partner prove itself the way its protocol can: a handshake
// checked with its API client's keys, or else its credentials checked.
func (s *Service) prove(ctx context.Context, p domain.Partner) error {
	challenge := make([]byte, domain.ChallengeSize)
	s.rand(challenge)
	if hs, ok := s.handshaker[p.Protocol]; ok {
		proof, err := hs.Handshake(ctx, p, challenge)
		if err != nil {
			return err
		}
		return s.checkProof(ctx, p, challenge, proof)
	}
	if cc, ok := s.checkers[p.Protocol]; ok {
		return cc.CheckCredentials(ctx, p, challenge)
	}
	return ErrProtocolNotSupport
}

// checkProof checks the partner's answer with the public keys its API
// client holds in the users service.
func (s *Service) checkProof(ctx context.Context, p domain.Partner, challenge, proof []byte) error {
	client, err := s.keys(ctx, p.APIClientID)
	switch apperr.KindOf(err) {
	case apperr.KindUnknown:
		if err != nil {
			return apperr.Unavailable("the partner's API client keys cannot be read right now").Wrap(err)
		}
	case apperr.KindNotFound, apperr.KindUnauthenticated, apperr.KindPermissionDenied:
		return HandshakeFailed("its API client "+p.APIClientID+" is unknown, disabled or has no valid key", err)
	default:
		return err
	}
	if !slices.Contains(client.Roles, auth.RolePartner) {
		return HandshakeFailed("its API client "+p.APIClientID+" is not of kind PARTNER", nil)
	}
	if !domain.ProofVerifies(client.Keys, p.Code, challenge, proof) {
		return HandshakeFailed("its proof does not verify with the keys of its API client "+p.APIClientID, nil)
	}
	return nil
}
