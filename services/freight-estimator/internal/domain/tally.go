package domain

import (
	"math/big"
	"math/bits"
)

// Group is a class of matching history records.
type Group int

// The groups, by how many of the three classes a record falls in.
const (
	// GroupFirst (S): consistent in volume, weight and value.
	GroupFirst Group = iota
	// GroupSecondary (C): consistent in exactly two.
	GroupSecondary
	// GroupEnd (F): consistent in exactly one.
	GroupEnd
)

// groupOf maps a match count (1 to 3) to its group.
func groupOf(matches int) Group { return Group(3 - matches) }

// Tally counts the records of one group and sums their freight exactly: the
// sum is a 128-bit unsigned integer, which no history of int64 freights can
// overflow in practice (it would take 2^64 records).
type Tally struct {
	Count  int64
	hi, lo uint64
}

// Add counts one record with a non-negative freight.
func (t *Tally) Add(freight int64) {
	var carry uint64
	t.lo, carry = bits.Add64(t.lo, uint64(freight), 0)
	t.hi += carry
	t.Count++
}

// Merge adds another tally of the same group.
func (t *Tally) Merge(o Tally) {
	var carry uint64
	t.lo, carry = bits.Add64(t.lo, o.lo, 0)
	t.hi += o.hi + carry
	t.Count += o.Count
}

// Sum is the total freight of the group in minor units.
func (t Tally) Sum() *big.Int {
	s := new(big.Int).SetUint64(t.hi)
	s.Lsh(s, 64)
	return s.Or(s, new(big.Int).SetUint64(t.lo))
}

// Mean is the group's mean freight in minor units, exactly; nil when empty.
func (t Tally) Mean() *big.Rat {
	if t.Count == 0 {
		return nil
	}
	return new(big.Rat).SetFrac(t.Sum(), big.NewInt(t.Count))
}

// Tallies holds the three groups, indexed by Group.
type Tallies [3]Tally

// Add counts a record that fell in matches classes; 0 counts nothing.
func (ts *Tallies) Add(matches int, freight int64) {
	if matches > 0 {
		ts[groupOf(matches)].Add(freight)
	}
}

// Merge adds another set of tallies.
func (ts *Tallies) Merge(o Tallies) {
	for g := range ts {
		ts[g].Merge(o[g])
	}
}

// Empty reports whether no record matched at all.
func (ts Tallies) Empty() bool {
	return ts[0].Count == 0 && ts[1].Count == 0 && ts[2].Count == 0
}
