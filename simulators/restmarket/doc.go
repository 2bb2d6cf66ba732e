// Package restmarket is a partner marketplace with an open platform of its
// own, shaped like Taobao TOP, Lazada or JD: one endpoint, POST
// {base}/router/rest, form parameters naming the method, calls signed with
// an app key and secret, answers wrapped as {"<method>_response": ...} or
// {"error_response": ...}, times as UTC+8 wall clock and money as decimals
// in major units. simulators/README.md documents the protocol.
//
// It is a frontend only: the marketplace itself (listings under review,
// buyers' orders, shipments, settlements and the faults) is a
// partnersim.Market, shared with the standard-protocol frontend, so both
// protocols are tested against the same behaviour. platform-docking's REST
// connector is tested against it over real HTTP.
package restmarket
