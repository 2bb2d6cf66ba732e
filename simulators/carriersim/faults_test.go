package carriersim_test

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"sync"
	"testing"
)

// With every fault on, the truth stays whole: each journey ends delivered
// or returned, its events are numbered without a gap, each leg is charged
// once, every webhook that arrives is an event of the feed byte for byte,
// and a receiver that keeps failing still gets every event not lost.
func TestEveryFaultOn(t *testing.T) {
	const shipments = 300
	tests := []struct {
		name     string
		loseRate float64
	}{
		{"lost webhooks too", 0.1},
		{"nothing lost", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The receiver fails a third of the first attempts and every
			// second attempt of some events.
			rc, url := newReceiver(t, func(id string, attempt int) int {
				h := fnv.New32a()
				h.Write([]byte(id))
				switch {
				case attempt == 1 && h.Sum32()%3 == 0:
					return http.StatusInternalServerError
				case attempt == 2 && h.Sum32()%5 == 0:
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			})
			cfg := fastConfig(url)
			cfg.LoseRate = tt.loseRate
			cfg.DuplicateRate, cfg.ReorderRate, cfg.LateRate = 0.1, 0.1, 0.1
			cfg.CustomsHoldRate, cfg.FailedAttemptRate = 0.3, 0.3
			cfg.FailRate = 0.1
			s, base := start(t, cfg)

			// Book through the 503s, as a shipper retries them.
			waybills := make([]string, shipments)
			var wg sync.WaitGroup
			for i := range shipments {
				wg.Go(func() {
					body := booking(fmt.Sprintf("fault-%d", i))
					if i%2 == 0 {
						body["to"] = map[string]any{"country_code": "DE", "region_code": "DE-BE", "city": "Berlin"}
					}
					for {
						var sh shipment
						status := call(t, "POST", base+"/v1/shipments", "", body, &sh)
						if status == http.StatusCreated || status == http.StatusOK {
							waybills[i] = sh.Waybill
							return
						}
						if status != http.StatusServiceUnavailable {
							t.Errorf("book: %d", status)
							return
						}
					}
				})
			}
			wg.Wait()
			waitQuiet(t, s)

			all := feed(t, base)
			byID := map[string]event{}
			perShipment := map[string][]event{}
			for i, ev := range all {
				if ev.Seq != all[0].Seq+int64(i) {
					t.Fatalf("feed position %d has seq %d after %d", i, ev.Seq, all[0].Seq)
				}
				if _, dup := byID[ev.ID]; dup {
					t.Fatalf("event %s twice in the feed", ev.ID)
				}
				byID[ev.ID] = ev
				perShipment[ev.Waybill] = append(perShipment[ev.Waybill], ev)
			}
			late := 0
			for _, evs := range perShipment {
				for i := 1; i < len(evs); i++ {
					if evs[i].SeqInShipment < evs[i-1].SeqInShipment {
						late++
					}
				}
			}
			if late == 0 {
				t.Error("no late event entered the feed after a later one of its shipment")
			}
			seen := map[string]bool{}
			for _, w := range waybills {
				if seen[w] {
					t.Fatalf("waybill %s given twice", w)
				}
				seen[w] = true
				checkTruth(t, base, w, perShipment[w])
			}

			// Webhooks: every delivery is a feed event, byte for byte (the
			// receiver checks one body per id); with nothing lost, every
			// feed event arrived despite the failing receiver.
			got := rc.snapshot()
			delivered := map[string]int{}
			reordered := 0
			lastSeq := map[string]int{}
			for _, ev := range got {
				if _, ok := byID[ev.ID]; !ok {
					t.Fatalf("webhook %s is not in the feed", ev.ID)
				}
				delivered[ev.ID]++
				if ev.SeqInShipment < lastSeq[ev.Waybill] {
					reordered++
				}
				lastSeq[ev.Waybill] = max(lastSeq[ev.Waybill], ev.SeqInShipment)
			}
			twice := 0
			for _, n := range delivered {
				if n > 1 {
					twice++
				}
			}
			if rc.badSigs != 0 {
				t.Errorf("%d webhooks with a bad signature", rc.badSigs)
			}
			if twice == 0 || reordered == 0 {
				t.Errorf("%d events delivered twice, %d out of order: the faults did not happen", twice, reordered)
			}
			missing := len(byID) - len(delivered)
			if tt.loseRate == 0 && missing != 0 {
				t.Errorf("%d of %d events never arrived by webhook", missing, len(byID))
			}
			if tt.loseRate > 0 && (missing == 0 || float64(missing) > 2*tt.loseRate*float64(len(byID))) {
				t.Errorf("%d of %d webhooks lost at a rate of %v", missing, len(byID), tt.loseRate)
			}
		})
	}
}

// checkTruth holds one shipment's events against its truth.
func checkTruth(t *testing.T, base, waybill string, events []event) {
	t.Helper()
	var sh shipment
	for call(t, "GET", base+"/v1/shipments/"+waybill, "", nil, &sh) == http.StatusServiceUnavailable {
	}
	if sh.Status != "delivered" && sh.Status != "returned" {
		t.Fatalf("%s ended %s", waybill, sh.Status)
	}
	if sh.Events != len(events) {
		t.Fatalf("%s counts %d events, the feed has %d", waybill, sh.Events, len(events))
	}
	bySeq := map[int]event{}
	charged := map[string]int{}
	for _, ev := range events {
		bySeq[ev.SeqInShipment] = ev
		if ev.Type == "charge" {
			charged[ev.Charge.LegID]++
			if ev.Charge.Amount <= 0 {
				t.Fatalf("%s: charge %+v", waybill, ev.Charge)
			}
		}
	}
	var last event
	for i := 1; i <= len(events); i++ {
		if bySeq[i].Type == "tracking" {
			last = bySeq[i]
		}
		if _, ok := bySeq[i]; !ok {
			t.Fatalf("%s: seq_in_shipment %d missing of %d", waybill, i, len(events))
		}
		if i > 1 && bySeq[i].OccurredAt.Before(bySeq[i-1].OccurredAt) {
			t.Fatalf("%s: event %d happened before event %d", waybill, i, i-1)
		}
	}
	if last.Status != sh.Status || last.Location != sh.Position {
		t.Fatalf("%s: last tracking event %s at %+v, shipment %s at %+v", waybill, last.Status, last.Location, sh.Status, sh.Position)
	}
	for _, l := range sh.Legs {
		if charged[l.LegID] != 1 {
			t.Fatalf("%s: leg %s charged %d times", waybill, l.LegID, charged[l.LegID])
		}
	}
	if len(charged) != len(sh.Legs) {
		t.Fatalf("%s: %d legs charged, it has %d", waybill, len(charged), len(sh.Legs))
	}
}
