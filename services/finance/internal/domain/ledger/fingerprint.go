package ledger

import (
	"crypto/sha256"
	"encoding/json"
	"time"
)

// Fingerprint is a digest of everything a command asks for except its key.
// The ledger stores it with the key: a retry whose fingerprint matches is the
// same command and gets the first result; one that differs reuses the key for
// another command and is refused.
func Fingerprint(cmd Command) []byte {
	specs := make([]TransferSpec, len(cmd.Transfers))
	for i, s := range cmd.Transfers {
		// Times compare as instants at the precision the ledger stores, so
		// a retry that crossed a time zone or lost nanoseconds on the wire
		// is still the same command.
		s.ExpiresAt = storedTime(s.ExpiresAt)
		if s.Rate != nil {
			r := *s.Rate
			r.AsOf = storedTime(r.AsOf)
			s.Rate = &r
		}
		specs[i] = s
	}
	b, err := json.Marshal(specs)
	if err != nil {
		// A TransferSpec holds strings, integers and times: it always
		// marshals, so this is a programming error.
		panic("ledger: fingerprint: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// storedTime is t as the ledger keeps it: UTC, whole microseconds
// (PostgreSQL's timestamptz), the zero time unchanged.
func storedTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}
