package jsonapi

import (
	"crypto/sha256"
	"net/http"
	"time"
)

// stored is the first answer to an idempotency key, and when it was given.
type stored struct {
	bodyHash [sha256.Size]byte
	res      Response
	at       time.Time
}

// sweepEvery is how many answers are stored between two sweeps of the
// expired ones, so the map does not grow with every call of a long session.
const sweepEvery = 1024

// idempotent runs h once per Idempotency-Key: a retry with the same key and
// the same body gets the first answer again and changes nothing; the same key
// with another body is refused with 409. Keys are scoped to the route, so a
// key used for one kind of object does not collide with another, and kept
// KeyTTL: reused later, a key runs again. A call without the header simply
// runs. A server error is not remembered (nothing was done), nor is a 400:
// parameters refused before any work, which the caller may correct and
// send again under the same key, as a real provider allows. The caller
// holds the state lock.
func (a *API) idempotent(r *http.Request, body []byte, h Handler) Response {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method != http.MethodPost {
		return h(r, body)
	}
	scope := r.URL.Path + "\x00" + key
	hash := sha256.Sum256(body)
	now := a.opts.Now()
	if first, ok := a.idempotency[scope]; ok && now.Sub(first.at) < a.opts.KeyTTL {
		if first.bodyHash != hash {
			return (&Error{Status: http.StatusConflict, Type: "idempotency_error", Code: "idempotency_key_in_use",
				Message: "Idempotency-Key " + key + " was used with a different body"}).Response()
		}
		return first.res
	}
	res := h(r, body)
	if res.Status < 500 && res.Status != http.StatusBadRequest {
		a.idempotency[scope] = stored{bodyHash: hash, res: res, at: now}
		if a.remembered++; a.remembered >= sweepEvery {
			a.remembered = 0
			for k, s := range a.idempotency {
				if now.Sub(s.at) >= a.opts.KeyTTL {
					delete(a.idempotency, k)
				}
			}
		}
	}
	return res
}
