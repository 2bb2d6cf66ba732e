package auth

import "time"

// SetRevocationsClock lets tests move a Revocations set through time.
func SetRevocationsClock(r *Revocations, now func() time.Time) { r.now = now }
