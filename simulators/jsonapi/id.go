package jsonapi

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns prefix + 24 random hex digits, like "pi_3f…": unguessable,
// so ids from two runs of a simulator never collide in a receiver's dedup
// table.
func NewID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return prefix + hex.EncodeToString(b)
}
