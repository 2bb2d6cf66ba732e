package partnersim

import (
	"fmt"
	"maps"
	"slices"
)

// ConfirmShipment records that a package of the order left with a carrier.
// Empty itemIDs means every item with a marker. Items confirmed before
// under the same waybill are success with already = true and change
// nothing; new items under a waybill used before join its package (a
// seller's sub-orders may share a box); an item confirmed before under
// another waybill is ErrAlreadyShipped. An unknown order is ErrNotFound, an
// order neither paid nor shipped ErrConflict, an item that is not one of
// the order's marked items ErrInvalid. Once every marked item is confirmed
// the order is shipped and its settlement line is scheduled.
func (m *Market) ConfirmShipment(orderID string, itemIDs []string, carrierCode, waybill string) (already bool, err error) {
	if waybill == "" || carrierCode == "" {
		return false, fmt.Errorf("%w: carrier code and waybill are required", ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[orderID]
	if !ok {
		return false, fmt.Errorf("%w: order %q", ErrNotFound, orderID)
	}
	shipped := map[string]string{} // item id → waybill
	for _, s := range o.Shipments {
		for _, id := range s.ItemIDs {
			shipped[id] = s.Waybill
		}
	}
	marked := map[string]bool{}
	for _, it := range o.Items {
		if it.Marker != "" {
			marked[it.ItemID] = true
		}
	}
	if len(itemIDs) == 0 {
		itemIDs = slices.Sorted(maps.Keys(marked))
	}
	if len(itemIDs) > 0 && !slices.ContainsFunc(itemIDs, func(id string) bool { return shipped[id] != waybill }) {
		return true, nil
	}
	if o.Status != StatusPaid && o.Status != StatusShipped {
		return false, fmt.Errorf("%w: order %q is neither paid nor shipped", ErrConflict, orderID)
	}
	if len(itemIDs) == 0 {
		return false, fmt.Errorf("%w: order %q has none of the seller's items", ErrInvalid, orderID)
	}
	var fresh []string
	for _, id := range itemIDs {
		if !marked[id] {
			return false, fmt.Errorf("%w: %q is not an item of the seller's in order %q", ErrInvalid, id, orderID)
		}
		switch w, ok := shipped[id]; {
		case !ok:
			fresh, shipped[id] = append(fresh, id), waybill
		case w != waybill:
			return false, fmt.Errorf("%w: item %q under waybill %q", ErrAlreadyShipped, id, w)
		}
	}
	now := m.now()
	o.Shipments = append(o.Shipments, Shipment{Waybill: waybill, CarrierCode: carrierCode, ItemIDs: fresh, At: now})
	o.UpdatedAt = now
	m.confirmations[orderID]++
	if len(shipped) == len(marked) {
		o.Status = StatusShipped
		m.book(o)
	}
	m.changed(o)
	return false, nil
}

// Confirmations counts, per order, the ConfirmShipment calls that changed
// something: a test checks that each shipped package was confirmed exactly
// once however often it was retried.
func (m *Market) Confirmations() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.confirmations)
}
