package history

import (
	"cmp"
	"slices"
	"sort"

	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// mergeAt is the smallest delta that is merged into the sorted copies; below
// it new records are scanned linearly, which costs less than re-sorting.
const mergeAt = 4096

// Snapshot is an immutable view of one route's records: safe to read from
// many goroutines while a newer one is being built.
type Snapshot struct {
	byVolume, byWeight, byValue []domain.Record
	// delta holds records added since the last merge, unsorted.
	delta []domain.Record
	// Seq is the route sequence number the snapshot is complete up to.
	Seq int64
	// Since is the oldest completion time held (Unix microseconds): the
	// snapshot holds every record of the route completed at or after it.
	Since int64
}

// Build returns a snapshot of records, complete up to seq and since.
func Build(records []domain.Record, seq, since int64) *Snapshot {
	s := &Snapshot{Seq: seq, Since: since}
	s.byVolume = sortedBy(records, byVolume)
	s.byWeight = sortedBy(records, byWeight)
	s.byValue = sortedBy(records, byValue)
	return s
}

// Len is the number of records held.
func (s *Snapshot) Len() int { return len(s.byVolume) + len(s.delta) }

// With returns a snapshot that also holds records (new to the route) and is
// complete up to seq. Small additions go to the delta; a large delta is
// merged into the sorted copies.
func (s *Snapshot) With(records []domain.Record, seq int64) *Snapshot {
	n := &Snapshot{byVolume: s.byVolume, byWeight: s.byWeight, byValue: s.byValue, Seq: max(s.Seq, seq), Since: s.Since}
	// Appending to s.delta in place is safe: readers of s see only its first
	// len(s.delta) records, and a snapshot is extended at most once (the
	// cache derives each snapshot from the latest, under the route's lock).
	n.delta = s.delta
	for _, r := range records {
		if r.CompletedAt >= s.Since {
			n.delta = append(n.delta, r)
		}
	}
	if len(n.delta) >= mergeAt && len(n.delta) >= len(n.byVolume)/16 {
		n.byVolume = mergeSorted(n.byVolume, n.delta, byVolume)
		n.byWeight = mergeSorted(n.byWeight, n.delta, byWeight)
		n.byValue = mergeSorted(n.byValue, n.delta, byValue)
		n.delta = nil
	}
	return n
}

// Compact returns a snapshot without the records completed before since, or s
// itself when since is not later than s.Since.
func (s *Snapshot) Compact(since int64) *Snapshot {
	if since <= s.Since {
		return s
	}
	keep := func(in []domain.Record) []domain.Record {
		out := make([]domain.Record, 0, len(in))
		for _, r := range in {
			if r.CompletedAt >= since {
				out = append(out, r)
			}
		}
		return out
	}
	return &Snapshot{
		byVolume: keep(s.byVolume), byWeight: keep(s.byWeight), byValue: keep(s.byValue),
		delta: keep(s.delta), Seq: s.Seq, Since: since,
	}
}

// Tally classifies the snapshot's records against q. q.Since must not be
// earlier than s.Since, or records the snapshot does not hold would be missed.
func (s *Snapshot) Tally(q domain.Query) domain.Tallies {
	var t domain.Tallies
	since := q.Since
	for _, r := range run(s.byVolume, q.Volume, byVolume) {
		if r.CompletedAt < since {
			continue
		}
		k := 1
		if q.Weight.Contains(r.WeightG) {
			k++
		}
		if q.Value.Contains(r.Value) {
			k++
		}
		t.Add(k, r.Freight)
	}
	for _, r := range run(s.byWeight, q.Weight, byWeight) {
		if r.CompletedAt < since || q.Volume.Contains(r.VolumeCM3) {
			continue
		}
		k := 1
		if q.Value.Contains(r.Value) {
			k++
		}
		t.Add(k, r.Freight)
	}
	for _, r := range run(s.byValue, q.Value, byValue) {
		if r.CompletedAt < since || q.Volume.Contains(r.VolumeCM3) || q.Weight.Contains(r.WeightG) {
			continue
		}
		t.Add(1, r.Freight)
	}
	for _, r := range s.delta {
		t.Add(q.Matches(r), r.Freight)
	}
	return t
}

// key picks the field a copy is sorted by.
type key func(domain.Record) int64

func byVolume(r domain.Record) int64 { return r.VolumeCM3 }
func byWeight(r domain.Record) int64 { return r.WeightG }
func byValue(r domain.Record) int64  { return r.Value }

func sortedBy(records []domain.Record, k key) []domain.Record {
	out := slices.Clone(records)
	slices.SortFunc(out, func(a, b domain.Record) int { return cmp.Compare(k(a), k(b)) })
	return out
}

// run returns the records of a copy sorted by k whose key lies in b.
func run(sorted []domain.Record, b domain.Bounds, k key) []domain.Record {
	if b.Lo > b.Hi {
		return nil
	}
	lo := sort.Search(len(sorted), func(i int) bool { return k(sorted[i]) >= b.Lo })
	hi := lo + sort.Search(len(sorted)-lo, func(i int) bool { return k(sorted[lo+i]) > b.Hi })
	return sorted[lo:hi]
}

// mergeSorted merges unsorted extra records into a copy sorted by k.
func mergeSorted(sorted, extra []domain.Record, k key) []domain.Record {
	add := sortedBy(extra, k)
	out := make([]domain.Record, 0, len(sorted)+len(add))
	i, j := 0, 0
	for i < len(sorted) && j < len(add) {
		if k(sorted[i]) <= k(add[j]) {
			out = append(out, sorted[i])
			i++
		} else {
			out = append(out, add[j])
			j++
		}
	}
	out = append(out, sorted[i:]...)
	return append(out, add[j:]...)
}
