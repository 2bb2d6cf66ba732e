// Package carriersim is a parcel carrier for tests and the local mesh: an
// HTTP/JSON API shaped like an express carrier's (book a shipment, get a
// waybill, track it, cancel it before pickup) whose parcels travel their
// route in simulated time, so the logistics service is tested against the
// protocol rather than a mock of it.
//
// A booking plans the whole journey at once: pickup after the service's
// handling time, positions along the domestic, international and last-mile
// legs at the service's speed, hub arrivals, an optional customs hold, one
// or more delivery attempts, and one freight charge per leg. Simulated time
// runs TimeScale times faster than the process's clock; a background loop
// publishes each event when its time has come, carrying the real time it
// happened at. Everything is kept in memory.
//
// Events reach the shipper two ways: a signed webhook (pkg/webhook, header
// Carrier-Signature) retried with backoff, and a feed readable by polling
// (GET /v1/events?after=<seq>) that holds every event, those whose webhooks
// were lost included. Faults are switched on by rates: lost, duplicated,
// reordered and late webhooks, customs holds, failed delivery attempts, and
// API calls answering 503. Whatever the faults, the truth (the shipment and
// the feed) is complete: every journey ends delivered or returned, and every
// leg is charged exactly once.
package carriersim
