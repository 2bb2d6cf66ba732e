package restmarket

import (
	"slices"
	"testing"
)

// An item state the client cannot read (an approve_status the protocol
// does not define, a bad time) is left out of the answer, and the others'
// verdicts are kept: before, the whole answer failed, and no verdict was
// read again.
func TestAnItemStateNotReadIsLeftOutAlone(t *testing.T) {
	got := readableStates([]itemState{
		{OuterID: "crossdock:a", NumIID: "1", ApproveStatus: 1},
		{OuterID: "crossdock:b", NumIID: "2", ApproveStatus: 7},
		{OuterID: "crossdock:c", NumIID: "3", ApproveStatus: 2, Modified: "not a time"},
		{OuterID: "crossdock:d", NumIID: "4", ApproveStatus: 2, RejectReasons: []string{"blurry"}},
	})
	var markers []string
	for _, s := range got {
		markers = append(markers, s.Marker)
	}
	if !slices.Equal(markers, []string{"crossdock:a", "crossdock:d"}) {
		t.Errorf("states read = %v, want a and d", markers)
	}
}
