package auth

import "time"

// SetRevocationsClock lets tests move a Revocations set through time.
func SetRevocationsClock(r *Revocations, now func() time.Time) { r.now = now }

// Parsed counts the tokens v verified in full, not from its memory.
func Parsed(v *Verifier) int64 { return v.parsed.Load() }

// ForgetVerified empties v's memory of verified tokens.
func ForgetVerified(v *Verifier) { v.verified.forgetAll() }
