package paymentsandbox

import (
	"crypto/sha256"
	"net/http"
)

// stored is the first answer to an idempotency key.
type stored struct {
	bodyHash [sha256.Size]byte
	res      response
}

// idempotent runs h once per Idempotency-Key: a retry with the same key and
// the same body gets the first answer again and changes nothing; the same key
// with another body is refused with 409. Keys are scoped to the route, so a
// key used for an intent does not collide with one used for a payout. A call
// without the header simply runs. The caller holds s.mu.
func (s *Server) idempotent(r *http.Request, body []byte, h handler) response {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method != http.MethodPost {
		return h(r, body)
	}
	scope := r.URL.Path + "\x00" + key
	hash := sha256.Sum256(body)
	if first, ok := s.idempotency[scope]; ok {
		if first.bodyHash != hash {
			return (&apiError{Status: http.StatusConflict, Type: "idempotency_error", Code: "idempotency_key_in_use",
				Message: "Idempotency-Key " + key + " was used with a different body"}).response()
		}
		return first.res
	}
	res := h(r, body)
	// A server error is not an answer to remember: the retry runs again.
	if res.status < 500 {
		s.idempotency[scope] = stored{bodyHash: hash, res: res}
	}
	return res
}
