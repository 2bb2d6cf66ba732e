package restmarket

import (
	"net/url"
)

// maxSubTIDs bounds sub_tid; an order has a few lines.
const maxSubTIDs = 100

// logisticsOfflineSend confirms a package shipped by the seller's own
// carrier: the trade, its lines (sub_tid; all the seller's when empty),
// the waybill (out_sid) and the carrier (company_code). Lines sent under
// that waybill already are success with already true; new lines under it
// join its package; another waybill for a line already sent is
// isv.logistics-conflict.
func logisticsOfflineSend(s *server, params url.Values) (any, *apiError) {
	for _, name := range []string{"tid", "out_sid", "company_code"} {
		if _, e := required(params, name); e != nil {
			return nil, e
		}
	}
	tid, waybill, carrier := params.Get("tid"), params.Get("out_sid"), params.Get("company_code")
	lines, e := list(params, "sub_tid", maxSubTIDs)
	if e != nil {
		return nil, e
	}
	already, err := s.market.ConfirmShipment(tid, lines, carrier, waybill)
	if err != nil {
		return nil, businessError(err, subTradeNotExist)
	}
	return map[string]any{"shipping": map[string]bool{"is_success": true, "already": already}}, nil
}
