package jsonapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixture is an API whose one route counts the times its handler ran and
// answers what answer says; the clock and the fault draws are the test's.
type fixture struct {
	api    *API
	h      http.Handler
	ran    int
	answer int
	now    time.Time
	draws  []float64
}

func newFixture(lostAnswerRate float64) *fixture {
	f := &fixture{answer: http.StatusCreated, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	f.api = New(Options{APIKey: "k", LostAnswerRate: lostAnswerRate, FaultCode: "sim_fault", State: &sync.Mutex{},
		KeyTTL: time.Hour, Now: func() time.Time { return f.now },
		Rand: func() float64 {
			d := f.draws[0]
			f.draws = f.draws[1:]
			return d
		}})
	f.h = f.api.Handle(true, func(*http.Request, []byte) Response {
		f.ran++
		return Response{Status: f.answer, Body: map[string]int{"run": f.ran}}
	})
	return f
}

func (f *fixture) post(t *testing.T, key, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/things", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Idempotency-Key", key)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

// A lost answer did the work: the retry with the key gets the first answer
// and does nothing again.
func TestALostAnswerDidTheWork(t *testing.T) {
	f := newFixture(0.5)
	f.draws = []float64{0.1, 0.9}
	if code, _ := f.post(t, "k-1", `{"a":1}`); code != http.StatusServiceUnavailable || f.ran != 1 {
		t.Fatalf("the lost answer: %d after %d runs, want 503 after the work ran once", code, f.ran)
	}
	if code, body := f.post(t, "k-1", `{"a":1}`); code != http.StatusCreated || body != `{"run":1}` || f.ran != 1 {
		t.Fatalf("the retry: %d %s after %d runs, want the first answer, the work not run again", code, body, f.ran)
	}
}

// A key is kept KeyTTL: reused later it runs again, and the answers of
// expired keys are swept from memory as others are stored.
func TestKeysExpire(t *testing.T) {
	f := newFixture(0)
	f.post(t, "k-1", `{}`)
	f.now = f.now.Add(59 * time.Minute)
	if f.post(t, "k-1", `{}`); f.ran != 1 {
		t.Fatalf("within the hour the key ran %d times, want once", f.ran)
	}
	f.now = f.now.Add(2 * time.Minute)
	if f.post(t, "k-1", `{}`); f.ran != 2 {
		t.Fatalf("past the hour the key ran %d times, want twice", f.ran)
	}
	f.now = f.now.Add(2 * time.Hour)
	for i := range sweepEvery {
		f.post(t, "fresh-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), `{}`)
	}
	if _, kept := f.api.idempotency["/v1/things\x00k-1"]; kept {
		t.Error("an expired key's answer is still held after a sweep")
	}
}

// Parameters refused (400) are not remembered: corrected and sent again
// under the same key, the call runs; a business refusal (422) is.
func TestARefusedRequestIsNotRemembered(t *testing.T) {
	f := newFixture(0)
	f.answer = http.StatusBadRequest
	f.post(t, "k-1", `{"postcode":""}`)
	f.answer = http.StatusCreated
	if code, _ := f.post(t, "k-1", `{"postcode":"10115"}`); code != http.StatusCreated || f.ran != 2 {
		t.Fatalf("corrected under the same key: %d after %d runs, want it run", code, f.ran)
	}
	f.answer = http.StatusUnprocessableEntity
	f.post(t, "k-2", `{}`)
	if code, _ := f.post(t, "k-2", `{"other":1}`); code != http.StatusConflict {
		t.Fatalf("a key whose call was refused by the rules, reused with another body: %d, want 409", code)
	}
}
