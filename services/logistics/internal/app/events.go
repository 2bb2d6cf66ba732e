package app

// Subjects of the events this service publishes (stream LOGISTICS). The
// payloads are the messages of crossdock/logistics/v1/events.proto.
const (
	SubjectShipmentBooked      = "logistics.shipment.booked"
	SubjectShipmentPickedUp    = "logistics.shipment.picked_up"
	SubjectShipmentDelivered   = "logistics.shipment.delivered"
	SubjectShipmentReturned    = "logistics.shipment.returned"
	SubjectShipmentCancelled   = "logistics.shipment.cancelled"
	SubjectShipmentCompleted   = "logistics.shipment.completed"
	SubjectFreightLegConfirmed = "logistics.freight_leg.confirmed"
)
