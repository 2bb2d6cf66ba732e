package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// A parcel cancelled without a waybill may still be booked at the carrier
// (its answer lost): the cancellation books it again under the same
// reference, which answers the carrier's booking, and cancels that, so the
// carrier never runs (nor charges) the parcel. A carrier that never booked
// it, or refuses to, is left with nothing live.
func TestCancelWithoutAWaybillCancelsTheCarriersBooking(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script func(lost chan<- string) carrierScript
		// booked: the carrier holds a booking when the cancellation comes;
		// waybill: the cancelled parcel ends with one (cancelled there).
		booked, waybill bool
	}{
		{"booked, its answer lost", func(lost chan<- string) carrierScript {
			return carrierScript{"book 1": answerLost(lost)}
		}, true, true},
		{"the carrier not reached", func(chan<- string) carrierScript {
			return carrierScript{"book 1": unreachable}
		}, false, true},
		{"the carrier not reached, then refusing the parcel", func(chan<- string) carrierScript {
			return carrierScript{"book 1": unreachable, "book 2": refuseParcel}
		}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, clock := newCancelFixture(t)
			lost := make(chan string, 1)
			f.script(tc.script(lost))
			in := f.input(1, "air")
			if _, _, err := f.svc.CreateShipment(ctx, orders, in); !apperr.IsKind(err, apperr.KindUnavailable) {
				t.Fatalf("booking without the carrier's answer = %v, want Unavailable", err)
			}
			sh, err := f.svc.GetSubOrderShipment(ctx, orders, in.SubOrderID)
			if err != nil || sh.Waybill != "" {
				t.Fatalf("the parcel before the cancellation: waybill %q, %v; want one without", sh.Waybill, err)
			}

			v, err := f.svc.CancelShipment(ctx, orders, sh.ID, "order cancelled")
			if err != nil || v.Status != domain.StatusCancelled {
				t.Fatalf("CancelShipment = %s, %v", v.Status, err)
			}
			if tc.booked {
				if w := <-lost; v.Waybill != w {
					t.Errorf("the cancelled parcel's waybill is %q, the carrier booked %q", v.Waybill, w)
				}
			}
			if (v.Waybill != "") != tc.waybill {
				t.Errorf("the cancelled parcel's waybill is %q; want one: %v", v.Waybill, tc.waybill)
			}
			if v.Waybill != "" {
				if truth := f.truth(t, v.Waybill); truth.Status != "cancelled" {
					t.Errorf("the carrier's booking is %s after the cancellation", truth.Status)
				}
			}
			f.checkCancelledForGood(t, sh.ID, clock, 1)
		})
	}
}

// A cancellation landing while the parcel's booking is on its way back
// from the carrier ends with the carrier's booking cancelled, whichever
// commits first, and never announces a live parcel after its
// cancellation.
func TestCancelWhileTheBookingIsInFlight(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script func(h *inFlight) carrierScript
		// wantBooked: ShipmentBooked is emitted, before ShipmentCancelled
		// (the booking's answer was stored while the carrier cancelled).
		wantBooked bool
	}{
		{"the booking's answer after the cancellation", func(h *inFlight) carrierScript {
			return carrierScript{"book 1": h.hold}
		}, false},
		{"the booking's answer while the carrier cancels", func(h *inFlight) carrierScript {
			return carrierScript{"book 1": h.hold, "cancel 1": h.answerFirst}
		}, true},
		{"the carrier refusing the cancellation's booking", func(h *inFlight) carrierScript {
			return carrierScript{"book 1": h.hold, "book 2": refuseParcel}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, clock := newCancelFixture(t)
			h := newInFlight()
			f.script(tc.script(h))
			in := f.input(2, "express")
			var created domain.Shipment
			var createErr error
			go func() {
				defer close(h.created)
				created, _, createErr = f.svc.CreateShipment(ctx, orders, in)
			}()
			waybill := <-h.booked
			sh, err := f.svc.GetSubOrderShipment(ctx, orders, in.SubOrderID)
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.svc.CancelShipment(ctx, orders, sh.ID, "order cancelled")
			if err != nil || v.Status != domain.StatusCancelled {
				t.Fatalf("CancelShipment = %s, %v", v.Status, err)
			}
			h.releaseAnswer()
			<-h.created
			if createErr != nil || created.ID != sh.ID {
				t.Fatalf("CreateShipment = %s, %v", created.ID, createErr)
			}

			v, err = f.svc.GetShipment(ctx, orders, sh.ID)
			if err != nil || v.Status != domain.StatusCancelled || v.Waybill != waybill {
				t.Fatalf("the parcel is %s with waybill %q (%v); want cancelled with %q", v.Status, v.Waybill, err, waybill)
			}
			if truth := f.truth(t, waybill); truth.Status != "cancelled" {
				t.Errorf("the carrier's booking is %s after the cancellation", truth.Status)
			}
			booked := f.count(t, `SELECT count(*) FROM outbox WHERE subject = '`+app.SubjectShipmentBooked+`'`)
			if want := map[bool]int{true: 1, false: 0}[tc.wantBooked]; booked != want {
				t.Errorf("%d ShipmentBooked events, want %d", booked, want)
			}
			if tc.wantBooked && f.count(t, `SELECT count(*) FROM outbox WHERE subject = '`+app.SubjectShipmentBooked+`'
				AND seq < (SELECT max(seq) FROM outbox WHERE subject = '`+app.SubjectShipmentCancelled+`')`) != 1 {
				t.Errorf("ShipmentBooked was not emitted before ShipmentCancelled")
			}
			f.checkCancelledForGood(t, sh.ID, clock, 1)
		})
	}
}

// A cancelled parcel whose carrier's side was left open (the process
// stopped, or the carrier failed, before the carrier cancelled its
// booking) is finished by the bookings worker, or by the caller's next
// cancellation; the failing-steps gauge counts it once past the grace, and
// no more once it is done. A carrier refusing for good is recorded and
// counted apart, for an operator.
func TestCarrierCancellationsLeftOpenAreFinished(t *testing.T) {
	log := testkit.Logger(t)
	worker := func(t *testing.T, f *fixture, _ uuid.UUID) {
		if n, err := f.svc.CancelAtCarriers(ctx, 10, log); err != nil || n != 1 {
			t.Fatalf("CancelAtCarriers = %d, %v; want 1", n, err)
		}
	}
	cancelAgain := func(t *testing.T, f *fixture, id uuid.UUID) {
		if _, err := f.svc.CancelShipment(ctx, orders, id, "order cancelled"); err != nil {
			t.Fatalf("CancelShipment again = %v", err)
		}
	}
	for _, tc := range []struct {
		name   string
		leave  func(t *testing.T, f *fixture) uuid.UUID
		finish func(t *testing.T, f *fixture, id uuid.UUID)
		// refused: the carrier refuses for good to cancel (it has the
		// parcel); cancelledEvents: ShipmentCancelled emitted (an older
		// version's cancellation here emitted none).
		refused         bool
		cancelledEvents int
	}{
		{"a booking's answer stored after the cancellation, the carrier's cancel failing", leaveAnswerAfterCancel, worker, false, 1},
		{"cancelled by an older version without its waybill", leaveOldCancel(nil), worker, false, 0},
		{"cancelled by an older version, finished by the caller's retry", leaveOldCancel(nil), cancelAgain, false, 0},
		{"cancelled by an older version, the carrier having the parcel", leaveOldCancel(pickedUp), worker, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, clock := newCancelFixture(t)
			id := tc.leave(t, f)
			if got := testkit.FailingSteps(t, f.store.FailingShipments); got["carrier_cancel"].Count != 0 {
				t.Errorf("within the grace, the gauge counts %+v", got["carrier_cancel"])
			}
			if n, err := f.svc.CancelAtCarriers(ctx, 10, log); err != nil || n != 0 {
				t.Errorf("within the grace, the worker finished %d (%v)", n, err)
			}
			if _, err := f.pool.Exec(ctx, `UPDATE shipments SET cancelled_at = cancelled_at - interval '1 hour' WHERE shipment_id = $1`, id); err != nil {
				t.Fatal(err)
			}
			got := testkit.FailingSteps(t, f.store.FailingShipments)
			if got["carrier_cancel"].Count != 1 || got["carrier_cancel"].Longest < 59*time.Minute {
				t.Fatalf("the gauge counts %+v; want one open for an hour", got["carrier_cancel"])
			}

			tc.finish(t, f, id)
			got = testkit.FailingSteps(t, f.store.FailingShipments)
			if got["carrier_cancel"].Count != 0 {
				t.Errorf("once finished, the gauge counts %+v", got["carrier_cancel"])
			}
			if n, err := f.svc.CancelAtCarriers(ctx, 10, log); err != nil || n != 0 {
				t.Errorf("a second round finished %d (%v)", n, err)
			}
			sh, err := f.store.GetShipment(ctx, id, false)
			if err != nil || sh.Waybill == "" || sh.CarrierCancelDoneAt == nil {
				t.Fatalf("the parcel: waybill %q, carrier's side done %v (%v)", sh.Waybill, sh.CarrierCancelDoneAt, err)
			}
			if tc.refused {
				if sh.CarrierCancelRefusal == "" || got["carrier_cancel_refused"].Count != 1 {
					t.Errorf("refusal %q, gauge %+v; want the refusal recorded and counted", sh.CarrierCancelRefusal, got["carrier_cancel_refused"])
				}
				return
			}
			if sh.CarrierCancelRefusal != "" || got["carrier_cancel_refused"].Count != 0 {
				t.Errorf("refusal %q, gauge %+v; want none", sh.CarrierCancelRefusal, got["carrier_cancel_refused"])
			}
			if truth := f.truth(t, sh.Waybill); truth.Status != "cancelled" {
				t.Errorf("the carrier's booking is %s", truth.Status)
			}
			f.checkCancelledForGood(t, id, clock, tc.cancelledEvents)
		})
	}
}

// leaveAnswerAfterCancel cancels a parcel whose booking is in flight while
// the carrier refuses the cancellation's own booking, then lets the first
// booking's answer in and fails the carrier's cancellation of it: the
// parcel is cancelled here and live at the carrier.
func leaveAnswerAfterCancel(t *testing.T, f *fixture) uuid.UUID {
	h := newInFlight()
	f.script(carrierScript{"book 1": h.hold, "book 2": refuseParcel, "cancel 1": unreachable})
	in := f.input(3, "ground")
	var createErr error
	go func() {
		defer close(h.created)
		_, _, createErr = f.svc.CreateShipment(ctx, orders, in)
	}()
	<-h.booked
	sh, err := f.svc.GetSubOrderShipment(ctx, orders, in.SubOrderID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CancelShipment(ctx, orders, sh.ID, "order cancelled"); err != nil {
		t.Fatal(err)
	}
	h.releaseAnswer()
	<-h.created
	if !apperr.IsKind(createErr, apperr.KindUnavailable) {
		t.Fatalf("CreateShipment with the carrier's cancellation failing = %v, want Unavailable", createErr)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE subject = '`+app.SubjectShipmentBooked+`'`); n != 0 {
		t.Errorf("%d ShipmentBooked events for a cancelled parcel", n)
	}
	return sh.ID
}

// leaveOldCancel loses a booking's answer and cancels the parcel the way
// the version before carrier cancellations were tracked did: the row only.
// A then answers the carrier's calls after that.
func leaveOldCancel(then carrierScript) func(t *testing.T, f *fixture) uuid.UUID {
	return func(t *testing.T, f *fixture) uuid.UUID {
		lost := make(chan string, 1)
		f.script(carrierScript{"book 1": answerLost(lost)})
		in := f.input(4, "sea")
		if _, _, err := f.svc.CreateShipment(ctx, orders, in); !apperr.IsKind(err, apperr.KindUnavailable) {
			t.Fatalf("booking without the carrier's answer = %v, want Unavailable", err)
		}
		<-lost
		sh, err := f.svc.GetSubOrderShipment(ctx, orders, in.SubOrderID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.pool.Exec(ctx, `UPDATE shipments SET status = 'cancelled', cancelled_at = now(), eta = NULL WHERE shipment_id = $1`, sh.ID); err != nil {
			t.Fatal(err)
		}
		f.script(then)
		return sh.ID
	}
}

// pickedUp answers every cancellation as a carrier that has the parcel.
var pickedUp = carrierScript{"cancel 1": func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
	writeJSON(w, http.StatusConflict, `{"error":{"type":"invalid_request_error","code":"already_picked_up","message":"shipment is picked_up"}}`)
}}

// checkCancelledForGood checks that the parcel is cancelled with its
// carrier's side done and ShipmentCancelled emitted want times, then runs
// the carrier's clock far past any journey: nothing the carrier does
// afterwards charges a leg.
func (f *fixture) checkCancelledForGood(t *testing.T, id uuid.UUID, clock *simClock, want int) {
	t.Helper()
	sh, err := f.store.GetShipment(ctx, id, false)
	if err != nil || sh.Status != domain.StatusCancelled || sh.CarrierCancelPending() {
		t.Errorf("the parcel is %s, carrier's side done %v (%v)", sh.Status, sh.CarrierCancelDoneAt, err)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE subject = '`+app.SubjectShipmentCancelled+`'`); n != want {
		t.Errorf("%d ShipmentCancelled events, want %d", n, want)
	}
	clock.advance(400 * 24 * time.Hour)
	f.waitQuiet(t, time.Minute)
	f.catchUp(t)
	if _, err := f.svc.PayLegs(ctx, 100, testkit.Logger(t)); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM freight_legs`); n != 0 || len(f.finance.paid) != 0 {
		t.Errorf("the carrier charged %d legs of the cancelled parcel; finance paid %d", n, len(f.finance.paid))
	}
}

// A booked parcel whose carrier no longer knows its waybill (the carrier
// forgot it: a test carrier restarted, an old booking purged) is cancelled:
// the carrier holds nothing to cancel. Before, the carrier's 404 came back
// as the cancellation's answer, and the caller's retries never ended.
func TestCancelOfAWaybillTheCarrierDoesNotKnow(t *testing.T) {
	f, _ := newCancelFixture(t)
	in := f.input(1, "air")
	created, _, err := f.svc.CreateShipment(ctx, orders, in)
	if err != nil || created.Waybill == "" {
		t.Fatalf("CreateShipment = %q, %v", created.Waybill, err)
	}
	f.script(carrierScript{"cancel 1": func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		writeJSON(w, http.StatusNotFound, `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"no such shipment"}}`)
	}})
	v, err := f.svc.CancelShipment(ctx, orders, created.ID, "order cancelled")
	if err != nil || v.Status != domain.StatusCancelled {
		t.Fatalf("CancelShipment = %s, %v; want cancelled", v.Status, err)
	}
	sh, err := f.store.GetShipment(ctx, created.ID, false)
	if err != nil || sh.CarrierCancelPending() || sh.CarrierCancelRefusal != "" || sh.Waybill != created.Waybill {
		t.Fatalf("the parcel: carrier's side done %v, refusal %q, waybill %q (%v)", sh.CarrierCancelDoneAt, sh.CarrierCancelRefusal, sh.Waybill, err)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE subject = '`+app.SubjectShipmentCancelled+`'`); n != 1 {
		t.Errorf("%d ShipmentCancelled events, want 1", n)
	}
	if got := testkit.FailingSteps(t, f.store.FailingShipments); got["carrier_cancel"].Count != 0 || got["carrier_cancel_refused"].Count != 0 {
		t.Errorf("the gauge counts %+v", got)
	}

	// A 404 that is not the carrier saying so (a wrong URL, a proxy's
	// page) proves nothing: the parcel is not cancelled.
	other := f.input(2, "air")
	live, _, err := f.svc.CreateShipment(ctx, orders, other)
	if err != nil {
		t.Fatal(err)
	}
	f.script(carrierScript{"cancel 1": func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html>404 Not Found</html>"))
	}})
	if _, err := f.svc.CancelShipment(ctx, orders, live.ID, "order cancelled"); err == nil {
		t.Error("a parcel whose carrier answered a bare 404 was cancelled")
	}
	if sh, err := f.store.GetShipment(ctx, live.ID, false); err != nil || sh.Status == domain.StatusCancelled {
		t.Errorf("after a bare 404 the parcel is %s (%v), want not cancelled", sh.Status, err)
	}
}

// newCancelFixture runs the carrier in real time on a clock the test moves
// on: nothing is picked up while a test cancels, and a journey the carrier
// was left to run happens whole when the clock jumps. Webhooks are signed
// at the carrier's time, so the receiver accepts any.
func newCancelFixture(t *testing.T) (*fixture, *simClock) {
	clock := &simClock{}
	f := newFixture(t, carriersim.Config{TimeScale: 1, Tick: 5 * time.Millisecond, Seed: 3, Now: clock.now}, 4,
		func(c *app.Config) { c.WebhookTolerance = 1000 * 24 * time.Hour })
	return f, clock
}

// simClock is real time moved on by the test.
type simClock struct{ offset atomic.Int64 }

func (c *simClock) now() time.Time            { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *simClock) advance(d time.Duration)   { c.offset.Add(int64(d)) }
func (f *fixture) script(steps carrierScript) { fn := steps.interceptor(); f.intercept.Store(&fn) }
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// carrierScript answers the service's calls to the carrier: the nth call
// of a kind ("book 1", "cancel 2", "feed 1"; counted from the script's start) by its
// step, every other call by the simulator.
type carrierScript map[string]interceptor

func (s carrierScript) interceptor() interceptor {
	var mu sync.Mutex
	counts := map[string]int{}
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		kind := ""
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/shipments":
			kind = "book"
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/cancel"):
			kind = "cancel"
		case r.Method == http.MethodGet && r.URL.Path == "/v1/events":
			kind = "feed"
		}
		mu.Lock()
		counts[kind]++
		step := s[fmt.Sprintf("%s %d", kind, counts[kind])]
		mu.Unlock()
		if kind == "" || step == nil {
			next.ServeHTTP(w, r)
			return
		}
		step(w, r, next)
	}
}

// unreachable answers as a carrier in trouble: nothing done there.
func unreachable(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
	writeJSON(w, http.StatusServiceUnavailable, `{"error":{"type":"api_error","code":"carrier_fault","message":"try again"}}`)
}

// refuseParcel answers as a carrier that does not take the parcel.
func refuseParcel(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
	writeJSON(w, http.StatusUnprocessableEntity, `{"error":{"type":"invalid_request_error","code":"unserved_destination","param":"to.country_code","message":"the carrier does not deliver there"}}`)
}

// answerLost lets the carrier book the parcel and loses its answer; the
// waybill it answered goes to lost.
func answerLost(lost chan<- string) interceptor {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		lost <- waybillOf(serve(next, r))
		unreachable(w, r, next)
	}
}

// inFlight holds a booking's answer on its way back from the carrier.
type inFlight struct {
	booked  chan string   // the carrier's waybill, once it booked the parcel
	release chan struct{} // closed to let the answer go
	once    sync.Once
	created chan struct{} // closed by the test once CreateShipment returned
}

func newInFlight() *inFlight {
	return &inFlight{booked: make(chan string, 1), release: make(chan struct{}), created: make(chan struct{})}
}

func (h *inFlight) releaseAnswer() { h.once.Do(func() { close(h.release) }) }

// hold lets the carrier book the parcel, tells booked, and answers once
// released.
func (h *inFlight) hold(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := serve(next, r)
	h.booked <- waybillOf(rec)
	<-h.release
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// answerFirst lets the held booking's answer in, and the creation finish,
// before the carrier cancels.
func (h *inFlight) answerFirst(w http.ResponseWriter, r *http.Request, next http.Handler) {
	h.releaseAnswer()
	<-h.created
	next.ServeHTTP(w, r)
}

// serve has the simulator answer r, recorded.
func serve(next http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	return rec
}

func waybillOf(rec *httptest.ResponseRecorder) string {
	var out struct {
		Waybill string `json:"waybill"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return out.Waybill
}
