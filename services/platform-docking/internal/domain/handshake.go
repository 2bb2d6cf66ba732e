package domain

import (
	"crypto/ed25519"
	"slices"
)

// ChallengeSize is the length of a handshake's random challenge.
const ChallengeSize = 32

// handshakeContext separates handshake proofs from every other thing a
// partner's key signs, so a signed request can never pass for a proof.
const handshakeContext = "crossdock-partner-handshake-v1\n"

// HandshakeMessage is what a partner signs to prove its registration: the
// protocol's context string, its code and the challenge, as
// MarketplaceService.Handshake documents. Binding the code means a proof
// for one registration is worth nothing for another.
func HandshakeMessage(code string, challenge []byte) []byte {
	return slices.Concat([]byte(handshakeContext), []byte(code), []byte("\n"), challenge)
}

// ProofVerifies reports whether proof is a signature of the handshake
// message by one of keys.
func ProofVerifies(keys []ed25519.PublicKey, code string, challenge, proof []byte) bool {
	if len(proof) != ed25519.SignatureSize {
		return false
	}
	msg := HandshakeMessage(code, challenge)
	for _, k := range keys {
		if len(k) == ed25519.PublicKeySize && ed25519.Verify(k, msg, proof) {
			return true
		}
	}
	return false
}
