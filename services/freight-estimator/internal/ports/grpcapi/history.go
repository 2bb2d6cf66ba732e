package grpcapi

import (
	"context"

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// ImportShipments adds completed shipments to the history (admins).
func (s *Server) ImportShipments(ctx context.Context, req *freightv1.ImportShipmentsRequest) (*freightv1.ImportShipmentsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	records := make([]domain.ShipmentInput, 0, len(req.GetRecords()))
	for _, r := range req.GetRecords() {
		records = append(records, domain.ShipmentInput{
			ShipmentID:        r.GetShipmentId(),
			Route:             routeFrom(r.GetRoute()),
			VolumeCM3:         r.GetVolumeCm3(),
			WeightG:           r.GetWeightG(),
			DeclaredValue:     moneyFrom(r.GetDeclaredValue()),
			TransactionAmount: moneyFrom(r.GetTransactionAmount()),
			GoodsPrice:        moneyFrom(r.GetGoodsPrice()),
			CompletedAt:       pbtime.Time(r.GetCompletedAt()),
			RateToBase:        r.GetRateToBase(),
		})
	}
	res, err := s.svc.ImportShipments(ctx, c, records)
	if err != nil {
		return nil, err
	}
	out := &freightv1.ImportShipmentsResponse{Imported: res.Imported, Duplicates: res.Duplicates}
	for _, r := range res.Rejected {
		out.Rejected = append(out.Rejected, &freightv1.RowError{Index: int64(r.Index), ShipmentId: r.ShipmentID, Reason: r.Reason})
	}
	return out, nil
}
