// Package load is the open-model load generator behind `crossdock load`: it
// prepares buyers with funded wallets and stock to buy, then launches buyer
// journeys (browse, checkout, pay) through the gateway at a fixed rate and
// reports what the mesh achieved.
//
// The model is open on purpose. A closed loop of workers sends its next
// request only when the previous one answered, so a slow system slows the
// load down and hides its own latency (coordinated omission). Here an arrival
// is launched at its scheduled time whatever the earlier ones are doing; when
// too many are still in flight, the arrival is counted as dropped instead of
// queued, so the report shows the overload rather than absorbing it.
//
// It only talks to loopback addresses: it creates accounts, moves play money
// and adds stock, which belongs on a developer's own mesh, never on a shared
// or production one.
package load
