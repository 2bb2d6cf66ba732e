package restmarket

import (
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// An item state the client cannot read (an approve_status the protocol
// does not define) is left out of the answer and reported, and the others'
// verdicts are kept, one with a time out of shape too: before, the whole
// answer failed, and no verdict was read again.
func TestAnItemStateNotReadIsLeftOutAlone(t *testing.T) {
	got, unreadable := domain.ReadableStates([]itemState{
		{OuterID: "crossdock:a", NumIID: "1", ApproveStatus: 1},
		{OuterID: "crossdock:b", NumIID: "2", ApproveStatus: 7},
		{OuterID: "crossdock:c", NumIID: "3", ApproveStatus: 2, Modified: "not a time"},
		{OuterID: "crossdock:d", NumIID: "4", ApproveStatus: 2, RejectReasons: []string{"blurry"}},
	}, func(it itemState) (domain.ListingState, error) { return listingState("items.status.get", it) })
	var markers []string
	for _, s := range got {
		markers = append(markers, s.Marker)
	}
	if !slices.Equal(markers, []string{"crossdock:a", "crossdock:c", "crossdock:d"}) {
		t.Errorf("states read = %v, want a, c and d", markers)
	}
	if unreadable == nil || !strings.Contains(unreadable.Error(), "approve_status 7") {
		t.Errorf("unreadable = %v, want b's state reported", unreadable)
	}
}
