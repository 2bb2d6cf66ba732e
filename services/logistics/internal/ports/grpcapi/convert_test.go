package grpcapi

import (
	"testing"
	"time"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

func TestCarrierCancellationView(t *testing.T) {
	at := time.Now()
	for _, tt := range []struct {
		name    string
		parcel  domain.Shipment
		want    logisticsv1.CarrierCancellation
		refusal string
	}{
		{"booked", domain.Shipment{Status: domain.StatusBooked, Waybill: "W1"}, logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_UNSPECIFIED, ""},
		{"cancelled here only", domain.Shipment{Status: domain.StatusCancelled, CancelledAt: &at}, logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_PENDING, ""},
		{"cancelled at the carrier", domain.Shipment{Status: domain.StatusCancelled, Waybill: "W1", CancelledAt: &at, CarrierCancelDoneAt: &at},
			logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_DONE, ""},
		{"refused by the carrier", domain.Shipment{Status: domain.StatusCancelled, Waybill: "W1", CancelledAt: &at, CarrierCancelDoneAt: &at, CarrierCancelRefusal: "picked up"},
			logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_REFUSED, "picked up"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := shipmentProto(app.View{Shipment: tt.parcel})
			if got.GetCarrierCancellation() != tt.want || got.GetCarrierCancelRefusal() != tt.refusal {
				t.Errorf("carrier cancellation = %v %q, want %v %q", got.GetCarrierCancellation(), got.GetCarrierCancelRefusal(), tt.want, tt.refusal)
			}
			if settled := tt.want == logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_DONE || tt.want == logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_REFUSED; settled != (got.GetCarrierCancelledAt() != nil) {
				t.Errorf("carrier_cancelled_at = %v for %v", got.GetCarrierCancelledAt(), tt.want)
			}
		})
	}
}
