package app

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// A carrier failing for now has the rest of its parcels left for the next
// round while the other carriers' parcels go on; every failure is
// returned.
func TestPerCarrierLeavesOnlyTheFailingCarriersParcels(t *testing.T) {
	down, up := uuid.New(), uuid.New()
	parcel := func(carrier uuid.UUID) domain.Shipment { return domain.Shipment{ID: uuid.New(), CarrierID: carrier} }
	list := []domain.Shipment{parcel(up), parcel(down), parcel(up), parcel(down), parcel(up)}
	errDown := errors.New("carrier unreachable")
	var tried []uuid.UUID
	n, err := perCarrier(list, func(sh domain.Shipment) error {
		tried = append(tried, sh.ID)
		if sh.CarrierID == down {
			return errDown
		}
		return nil
	})
	if n != 3 || !errors.Is(err, errDown) {
		t.Errorf("perCarrier = %d, %v; want the 3 parcels of the carrier up done and the failure", n, err)
	}
	if want := []uuid.UUID{list[0].ID, list[1].ID, list[2].ID, list[4].ID}; !slices.Equal(tried, want) {
		t.Errorf("tried %v, want every parcel but the failing carrier's second %v", tried, want)
	}
}
