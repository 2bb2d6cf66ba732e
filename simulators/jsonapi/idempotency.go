package jsonapi

import (
	"crypto/sha256"
	"net/http"
)

// stored is the first answer to an idempotency key.
type stored struct {
	bodyHash [sha256.Size]byte
	res      Response
}

// idempotent runs h once per Idempotency-Key: a retry with the same key and
// the same body gets the first answer again and changes nothing; the same key
// with another body is refused with 409. Keys are scoped to the route, so a
// key used for one kind of object does not collide with another. A call
// without the header simply runs. The caller holds the state lock.
func (a *API) idempotent(r *http.Request, body []byte, h Handler) Response {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method != http.MethodPost {
		return h(r, body)
	}
	scope := r.URL.Path + "\x00" + key
	hash := sha256.Sum256(body)
	if first, ok := a.idempotency[scope]; ok {
		if first.bodyHash != hash {
			return (&Error{Status: http.StatusConflict, Type: "idempotency_error", Code: "idempotency_key_in_use",
				Message: "Idempotency-Key " + key + " was used with a different body"}).Response()
		}
		return first.res
	}
	res := h(r, body)
	// A server error is not an answer to remember: the retry runs again.
	if res.Status < 500 {
		a.idempotency[scope] = stored{bodyHash: hash, res: res}
	}
	return res
}
