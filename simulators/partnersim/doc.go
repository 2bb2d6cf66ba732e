// Package partnersim is a partner marketplace for tests and the local mesh:
// a gRPC server implementing the standard partner protocol
// (crossdock.partner.v1.MarketplaceService), so platform-docking's connector
// is tested against the wire rather than a mock of it.
//
// Behind the gRPC frontend sits a Market: a protocol-neutral marketplace
// (listings under review, buyers' orders, shipments, settlements) with
// failure-injection flags for what real partners do: rate limits, server
// errors, timeouts, lag beyond the documented one, pages that shift while
// a caller pages, rejected listings, late settlements and an undocumented
// order status. Other frontends (a REST protocol) serve the same Market.
// AdminHandler is its back office over HTTP, for tests and the demo.
//
// Like a real partner, it accepts only calls signed by Crossdock: it checks
// each call's signature with the client id and Ed25519 public key it was
// configured with (pkg/auth's scheme, nonces remembered in memory), and it
// answers a handshake with its own signature over the challenge, by the
// private key of its Crossdock API client. Faults are switched on in Config:
// proving with a wrong key, or refusing the handshake. The standard gRPC
// health service answers unsigned, for probes.
//
// Given Crossdock's PartnerService address (Config.WebhookAddr), it also
// tells Crossdock of every order change, as partners' webhooks do:
// NotifyOrderChanged with the order id and update time only, signed as its
// own API client (Config.ClientID, Config.Key), sent from a goroutine of
// its own so the Market never waits for Crossdock. Faults send a share of
// them twice or late, after later changes.
//
// It shares no code with platform-docking: the proof it signs is spelled
// out here as MarketplaceService.Handshake documents it.
package partnersim
