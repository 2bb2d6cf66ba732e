// Package restmarket is platform-docking's connector to REST marketplaces:
// partners with an open platform of their own in the style of Taobao TOP,
// Lazada or JD (one POST endpoint, a method parameter, calls signed with the
// app key and secret the partner issued to us). simulators/README.md
// documents the protocol; simulators/restmarket serves it in tests.
//
// It shares no code with the simulator on purpose: the signature, the money
// format and the partner's time zone are spelled out here, so a test against
// the simulator checks two readings of the protocol against each other.
//
// The app secret only ever keys an HMAC: it is never sent, logged or put in
// an error.
package restmarket
