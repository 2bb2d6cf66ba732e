package natsx

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Access is what one service may do on NATS, as its own NATS user: publish
// its area's events and run its own stream, and consume other areas' streams
// through the durable consumers it names. Anything not allowed is refused by
// the server, so a leaked service credential cannot forge another area's
// events or read streams the service does not consume.
type Access struct {
	// User is the NATS user name: the service's name, e.g. "freight-estimator".
	User string
	// Area is the area whose subjects (<area>.>) and stream (AreaStream) the
	// service owns, e.g. "freight"; empty for one that owns none (gateway).
	Area string
	// Consumes lists the durable consumers the service runs on other areas'
	// streams (or on its own, for a read model of its own events).
	Consumes []Consumption
}

// Consumption is one durable consumer on another area's stream, or on the
// service's own (its stream rights do not include consuming).
type Consumption struct {
	Stream   string // e.g. "LOGISTICS"
	Consumer string // the durable name and inbox key, e.g. "freight-shipment-history"
}

// Accesses is the permission table of the mesh, the one place it is written:
// `crossdock up` configures its embedded server from it, tests start servers
// with it, and the deployment's NATS configuration is checked against it.
// A new consumer or service adds its line here.
var Accesses = []Access{
	{User: "users", Area: "users"},
	{User: "catalog", Area: "catalog", Consumes: []Consumption{{Stream: "USERS", Consumer: "catalog-merchant-tiers"}}},
	{User: "inventory", Area: "inventory", Consumes: []Consumption{{Stream: "CATALOG", Consumer: "inventory-catalog"}}},
	{User: "orders", Area: "orders", Consumes: []Consumption{
		{Stream: "FINANCE", Consumer: "orders-finance"},
		{Stream: "LOGISTICS", Consumer: "orders-logistics"},
		{Stream: "INVENTORY", Consumer: "orders-inventory"},
		// The sales figures follow the service's own order events.
		{Stream: "ORDERS", Consumer: "orders-sales"},
	}},
	{User: "logistics", Area: "logistics"},
	{User: "finance", Area: "finance"},
	{User: "freight-estimator", Area: "freight", Consumes: []Consumption{{Stream: "LOGISTICS", Consumer: "freight-shipment-history"}}},
	{User: "platform-docking", Area: "docking", Consumes: []Consumption{
		// Catalogue and stock changes keep partner listings in sync; a
		// partner sub-order's shipment sends its waybill to the partner; a
		// paid order's sub-orders of a supply platform are placed with it.
		{Stream: "CATALOG", Consumer: "docking-catalog"},
		{Stream: "INVENTORY", Consumer: "docking-inventory"},
		{Stream: "ORDERS", Consumer: "docking-orders"},
		{Stream: "ORDERS", Consumer: "docking-supply"},
	}},
	// The gateway publishes nothing and runs no stream: it only follows
	// revoked sessions, which every user may (followRevocations).
	{User: "gateway"},
}

// AccessOf returns the table's line for user.
func AccessOf(user string) (Access, bool) {
	i := slices.IndexFunc(Accesses, func(a Access) bool { return a.User == user })
	if i < 0 {
		return Access{}, false
	}
	return Accesses[i], true
}

// InboxSubjects is where replies come back to a client: JetStream API
// answers, publish acknowledgements and pulled messages.
const InboxSubjects = "_INBOX.>"

// Publish lists the subjects the user may publish to, JetStream API calls
// included, each scoped to its own stream or consumer. A user without an Area
// (the gateway) publishes nothing of its own and runs no stream.
func (a Access) Publish() []string {
	var out []string
	if a.Area != "" {
		out = append(out, a.Area+".>")
		out = append(out, streamAPI(AreaStream(a.Area).Name)...)
	}
	if len(a.Consumes) > 0 {
		// Consumers dead-letter what they give up on into the shared
		// DEADLETTER stream, which the first of them creates; an operator
		// reads, replays and discards them through the consuming service
		// (crossdock.ops.v1.DeadLetterService), which reads and deletes
		// single messages. That reaches other services' dead letters too:
		// they are copies of events, and deleting one loses no event, only
		// an operator's chance to replay it.
		out = append(out, streamAPI(DeadLetterStream.Name)...)
		out = append(out,
			"$JS.API.STREAM.MSG.GET."+DeadLetterStream.Name,
			"$JS.API.STREAM.MSG.DELETE."+DeadLetterStream.Name,
		)
	}
	for _, c := range a.Consumes {
		out = append(out,
			"deadletter."+c.Consumer,
			"$JS.API.STREAM.INFO."+c.Stream,
			fmt.Sprintf("$JS.API.CONSUMER.CREATE.%s.%s", c.Stream, c.Consumer),
			fmt.Sprintf("$JS.API.CONSUMER.CREATE.%s.%s.>", c.Stream, c.Consumer),
			fmt.Sprintf("$JS.API.CONSUMER.INFO.%s.%s", c.Stream, c.Consumer),
			fmt.Sprintf("$JS.API.CONSUMER.MSG.NEXT.%s.%s", c.Stream, c.Consumer),
			fmt.Sprintf("$JS.ACK.%s.%s.>", c.Stream, c.Consumer),
		)
	}
	out = append(out, followRevocations()...)
	return dedupe(out)
}

// SessionRevokedSubject is where the users service publishes a revoked login
// session (crossdock.users.v1.SessionRevoked, on SessionRevokedStream), which
// every service and the gateway follow to refuse its tokens at once
// (auth.Revocations.Follow).
const (
	SessionRevokedSubject = "users.session.revoked"
	SessionRevokedStream  = "USERS"
)

// followRevocations is what every user needs to follow SessionRevokedSubject
// with an ordered consumer (nats.go jetstream OrderedConsumer): look the
// stream up, create an ephemeral consumer filtered on the one subject (the
// create request names the filter in its subject), and pull from it.
//
// An ordered consumer names itself <random>_<serial>, one token that cannot
// be known in advance, and NATS wildcards match whole tokens only, so the
// consumer position is "*". What that allows beyond following revocations,
// all on USERS only:
//   - creating a consumer of any name, but only filtered on
//     SessionRevokedSubject: the filter is in the subject and the server
//     refuses a create whose subject and configuration disagree, so no other
//     users event can be read this way. Create doubles as update, so it could
//     also re-filter another consumer on USERS (catalog's durable) onto that
//     subject, pausing it until its owner restarts and sets it back;
//   - pulling from any existing consumer (today only catalog's durable, which
//     carries merchant tier changes): that reads and delays its messages but
//     cannot acknowledge them ($JS.ACK is not granted), so they are
//     redelivered to the owner after its ack wait.
//
// That is acceptable: nothing can be forged or deleted, what can be read is
// what another consumer on USERS already selects (no credentials travel on
// it), and the worst a leaked credential does is delay one consumer. Deleting consumers is not granted,
// since "*" would let it delete others' durables: the ordered consumer's
// best-effort delete of a consumer it replaces is refused (and logged), and
// the server drops that consumer after its InactiveThreshold.
func followRevocations() []string {
	return []string{
		"$JS.API.STREAM.INFO." + SessionRevokedStream,
		fmt.Sprintf("$JS.API.CONSUMER.CREATE.%s.*.%s", SessionRevokedStream, SessionRevokedSubject),
		fmt.Sprintf("$JS.API.CONSUMER.MSG.NEXT.%s.*", SessionRevokedStream),
	}
}

// Subscribe lists the subjects the user may subscribe to: only its inbox,
// since JetStream consumers are pulled through it.
func (a Access) Subscribe() []string { return []string{InboxSubjects} }

// streamAPI is what a service may do to a stream it creates and configures.
func streamAPI(stream string) []string {
	return []string{
		"$JS.API.STREAM.CREATE." + stream,
		"$JS.API.STREAM.UPDATE." + stream,
		"$JS.API.STREAM.INFO." + stream,
	}
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// PasswordVar is the environment variable a nats-server configured with
// AuthorizationConfig reads user's password from, e.g.
// NATS_PASSWORD_FREIGHT_ESTIMATOR.
func PasswordVar(user string) string {
	return "NATS_PASSWORD_" + strings.ToUpper(strings.ReplaceAll(user, "-", "_"))
}

// AuthorizationConfig renders the table as a nats-server configuration
// block, the passwords read from the server's environment (PasswordVar), so
// the deployment's NATS configuration is this table and nothing else.
func AuthorizationConfig() string {
	var b strings.Builder
	b.WriteString("# Generated from natsx.Accesses (pkg/natsx/permissions.go); do not edit.\n")
	b.WriteString("# Regenerate: cd deploy && go test ./manifests -run TestNATSAuthorizationFile -update\n")
	b.WriteString("authorization {\n  users: [\n")
	quote := func(subjects []string) string {
		q := make([]string, len(subjects))
		for i, s := range subjects {
			q[i] = strconv.Quote(s)
		}
		return strings.Join(q, ", ")
	}
	for _, a := range Accesses {
		fmt.Fprintf(&b, "    {\n      user: %s\n      password: $%s\n", strconv.Quote(a.User), PasswordVar(a.User))
		fmt.Fprintf(&b, "      permissions: {\n        publish: { allow: [%s] }\n        subscribe: { allow: [%s] }\n      }\n    }\n",
			quote(a.Publish()), quote(a.Subscribe()))
	}
	b.WriteString("  ]\n}\n")
	return b.String()
}
