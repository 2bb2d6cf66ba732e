package app

// Subjects of the events this service publishes (stream FREIGHT) and consumes.
// The payloads are the messages of crossdock/freight/v1/events.proto and
// crossdock/logistics/v1/events.proto.
const (
	SubjectConfigChanged     = "freight.config.changed"
	SubjectShipmentCompleted = "logistics.shipment.completed"
)
