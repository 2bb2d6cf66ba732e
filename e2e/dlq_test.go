package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
)

const (
	natsPort = 4222
	// freightConsumer is the freight estimator's durable consumer of
	// completed shipments, the one these tests poison.
	freightConsumer = "freight-shipment-history"
)

// natsAs connects to the mesh's NATS as one of its services, with the
// password crossdock up generated for it.
func natsAs(t *testing.T, dir string, offset int, user string) jetstream.JetStream {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		NATSPasswords map[string]string `json:"nats_passwords"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect("nats://"+addr(natsPort, offset), nats.UserInfo(user, f.NATSPasswords[user]))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// dlqRun runs `crossdock dlq <args> --port-offset N` and returns its exit
// status and output.
func dlqRun(t *testing.T, offset int, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(crossdockBin, append(append([]string{"dlq"}, args[0], "--port-offset", strconv.Itoa(offset)), args[1:]...)...)
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		t.Fatal(err)
	}
	return 0, string(out)
}

// seqOf finds the dead-letter sequence of an event in `dlq list` output.
func seqOf(t *testing.T, list, eventID string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^freight-estimator\s+(\d+)\s+` + freightConsumer + `\s+\S+\s+` + eventID).FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("event %s not in the list:\n%s", eventID, list)
	}
	return m[1]
}

// An operator sees a poisoned event with `crossdock dlq`, cannot replay it
// while it still fails, and discards it; a dead letter whose cause is gone
// (a valid event) replays into the consumer and leaves the list.
func TestDeadLettersThroughTheCLI(t *testing.T) {
	_, offset := apiMesh(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Logistics publishes a completed shipment that does not decode: the
	// freight estimator's consumer gives up on it at once.
	poison := uuid.NewString()
	msg := nats.NewMsg("logistics.shipment.completed")
	msg.Data = []byte{0xff, 0xff, 0xff}
	msg.Header.Set(natsx.HeaderMsgID, poison)
	msg.Header.Set(natsx.HeaderEventID, poison)
	msg.Header.Set(natsx.HeaderEventType, string(proto.MessageName(&logisticsv1.ShipmentCompleted{})))
	logistics := natsAs(t, shared.dir, offset, "logistics")
	if _, err := logistics.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}

	// A dead letter of a valid event, as a handler bug since fixed leaves
	// behind, written as the consumer writes one.
	fixed := uuid.NewString()
	payload, err := proto.Marshal(&logisticsv1.ShipmentCompleted{ShipmentId: uuid.NewString()})
	if err != nil {
		t.Fatal(err)
	}
	dl := nats.NewMsg(inbox.DeadLetterSubject(freightConsumer))
	dl.Data = payload
	for k, v := range map[string]string{
		natsx.HeaderMsgID: "dlq:e2e:" + fixed, natsx.HeaderEventID: fixed,
		natsx.HeaderEventType:     string(proto.MessageName(&logisticsv1.ShipmentCompleted{})),
		inbox.HeaderDLQConsumer:   freightConsumer,
		inbox.HeaderDLQSubject:    "logistics.shipment.completed",
		inbox.HeaderDLQError:      "a bug since fixed",
		inbox.HeaderDLQDeliveries: "5",
		inbox.HeaderDLQAt:         time.Now().UTC().Format(time.RFC3339Nano),
	} {
		dl.Header.Set(k, v)
	}
	freight := natsAs(t, shared.dir, offset, "freight-estimator")
	if _, err := freight.PublishMsg(ctx, dl); err != nil {
		t.Fatal(err)
	}

	var list string
	for deadline := time.Now().Add(30 * time.Second); ; {
		code, out := dlqRun(t, offset, "list")
		if code == 0 && strings.Contains(out, poison) && strings.Contains(out, fixed) {
			list = out
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dead letters never showed (exit %d):\n%s", code, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	poisonSeq, fixedSeq := seqOf(t, list, poison), seqOf(t, list, fixed)

	steps := []struct {
		name string
		args []string
		exit int
		want string
	}{
		{"one consumer's list", []string{"list", "--consumer", freightConsumer}, 0, poison},
		{"show decodes a valid payload", []string{"show", fixedSeq}, 0, `"shipmentId"`},
		{"show explains a payload that does not decode", []string{"show", poisonSeq}, 0, "does not decode as crossdock.logistics.v1.ShipmentCompleted"},
		{"a poison still fails", []string{"replay", poisonSeq}, 1, "replay failed"},
		{"the fixed one replays", []string{"replay", fixedSeq}, 0, fixedSeq + " replayed by freight-estimator"},
		{"the poison is discarded", []string{"discard", poisonSeq}, 0, poisonSeq + " discarded by freight-estimator"},
		{"a sequence gone", []string{"show", poisonSeq}, 1, "no dead letter " + poisonSeq},
		{"not a sequence", []string{"replay", "x"}, 2, `"x" is not a dead-letter sequence`},
		{"a wrong password", []string{"list", "--password", "not-the-password"}, 1, "sign in as"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out := dlqRun(t, offset, s.args...)
			if code != s.exit || !strings.Contains(out, s.want) {
				t.Fatalf("exit %d, output:\n%s\nwant exit %d and %q", code, out, s.exit, s.want)
			}
			// A replay the consumer had applied already says so: the fixed
			// event was never applied, so its replay must apply it.
			if strings.Contains(out, "applied it already") {
				t.Fatalf("the replay applied nothing:\n%s", out)
			}
		})
	}
	if _, out := dlqRun(t, offset, "list"); strings.Contains(out, poison) || strings.Contains(out, fixed) {
		t.Errorf("dead letters left after replay and discard:\n%s", out)
	}
}
