package peers

import (
	"testing"
	"time"
)

func TestRecentStaysWithinItsBound(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	r := newRecent[int, int](time.Minute, 3)
	for k := range 3 {
		r.put(k, k, t0)
	}
	// Full, nothing expired: a new key empties it.
	r.put(3, 3, t0.Add(time.Second))
	if len(r.entries) != 1 {
		t.Fatalf("%d entries after a put into a full map of fresh ones, want 1", len(r.entries))
	}
	r.put(4, 4, t0.Add(2*time.Second))
	r.put(5, 5, t0.Add(61*time.Second))
	// Full again: 3 and 4 have expired by 62 s and go; 5 stays.
	r.put(6, 6, t0.Add(62*time.Second))
	if _, ok := r.get(5, t0.Add(62*time.Second)); !ok || len(r.entries) != 2 {
		t.Fatalf("entries %v, want 5 and 6: only expired ones dropped", r.entries)
	}
	// A value fetched for an earlier time does not replace a later one.
	r.put(6, 60, t0.Add(50*time.Second))
	if v, _ := r.get(6, t0.Add(63*time.Second)); v != 6 {
		t.Errorf("6 = %d, want the later fetch kept", v)
	}
}
