package restmarket

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// ConfirmShipment sends the waybill with logistics.offline.send. The same
// waybill again is success with already set, so a retried confirmation is
// harmless; another waybill for lines already shipped is
// ErrWaybillConflict.
func (c *Client) ConfirmShipment(ctx context.Context, p domain.Partner, s domain.Shipment) (bool, error) {
	params := url.Values{"tid": {s.PartnerOrderID}, "out_sid": {s.Waybill}, "company_code": {s.CarrierCode}}
	if len(s.ItemIDs) > 0 {
		params.Set("sub_tid", strings.Join(s.ItemIDs, ","))
	}
	var a struct {
		Shipping struct {
			IsSuccess bool `json:"is_success"`
			Already   bool `json:"already"`
		} `json:"shipping"`
	}
	err := c.call(ctx, p, "logistics.offline.send", params, &a)
	if errors.Is(err, errNoSuchTrade) {
		return false, apperr.NotFound("partner order", s.PartnerOrderID)
	}
	if err != nil {
		return false, err
	}
	if !a.Shipping.IsSuccess {
		return false, refused("logistics.offline.send", "it answered is_success false", nil)
	}
	return a.Shipping.Already, nil
}
