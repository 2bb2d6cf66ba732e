// Package domain is the logistics service's pure core: carriers and their
// shipping methods, shipments and the rule that applies a carrier's tracking
// events to them (each once, in event-time order, never backwards), the
// route a parcel travels and the distance and ETA computed from it. Nothing
// here does I/O.
package domain
