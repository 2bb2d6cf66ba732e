package service_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	opsv1 "github.com/crossdock/crossdock/gen/crossdock/ops/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/internal/eventstest"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// thingsMesh is a runtime named "things" whose one consumer, "things-audit",
// reads its own THINGS stream and fails on events whose payload is "poison"
// until fixed.
type thingsMesh struct {
	rt      *service.Runtime
	conn    *grpc.ClientConn
	key     auth.SigningKey
	fixed   atomic.Bool
	applied atomic.Int32
	done    <-chan error
	audit   *inbox.Consumer
}

func startThings(ctx context.Context, t *testing.T) *thingsMesh {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "service-runtime"})
	nats, _, _ := testkit.JetStream(t)
	m := &thingsMesh{}
	var keys auth.KeySource
	m.key, keys = testkit.SigningKey(t)
	m.rt, m.done = start(ctx, t, nats.URL(), pool.Config().ConnString(), func(spec *service.Spec) {
		spec.KeySource = keys
	}, func(rt *service.Runtime) {
		rt.Config.Streams.DeadLetterMaxAge = 45 * 24 * time.Hour
		m.audit = &inbox.Consumer{
			Name: "things-audit", Stream: "THINGS", Subjects: []string{"things.>"},
			MaxDeliver: 2, Backoff: []time.Duration{20 * time.Millisecond}, AckWait: time.Second,
			Handler: func(_ context.Context, _ pgx.Tx, msg inbox.Message) error {
				if strings.Contains(string(msg.Payload), "poison") && !m.fixed.Load() {
					return errors.New("cannot audit a poisoned thing")
				}
				m.applied.Add(1)
				return nil
			},
		}
		rt.Consume(m.audit)
	})
	conn, err := grpc.NewClient(m.rt.Server.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	m.conn = conn
	return m
}

func (m *thingsMesh) as(t *testing.T, kind auth.Kind, roles ...string) context.Context {
	return testkit.As(t, m.key, auth.Caller{Subject: "op-1", Kind: kind, Roles: roles})
}

// A consumer's inbox rows are kept twice as long as the longest its events
// can come again: here its dead letters', kept 45 days.
func TestConsumersKeepInboxRowsBeyondTheirDeadLetters(t *testing.T) {
	m := startThings(t.Context(), t)
	if got, want := m.audit.Retention, 90*24*time.Hour; got != want {
		t.Errorf("inbox retention %v, want %v", got, want)
	}
}

// An operator sees a consumer's dead letter, replays it once the cause is
// fixed, and discards another; nobody but an admin may.
func TestDeadLettersCanBeListedReplayedAndDiscarded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := startThings(ctx, t)
	testkit.Emit(t, m.rt.Pool, "things.thing.created", wrapperspb.String("poison one"))
	testkit.Emit(t, m.rt.Pool, "things.thing.created", wrapperspb.String("poison two"))
	dlq := opsv1.NewDeadLetterServiceClient(m.conn)
	admin := m.as(t, auth.KindUser, auth.RoleAdmin)

	var letters []*opsv1.DeadLetter
	eventstest.Eventually(t, 20*time.Second, func() bool {
		resp, err := dlq.ListDeadLetters(admin, &opsv1.ListDeadLettersRequest{})
		letters = resp.GetDeadLetters()
		return err == nil && len(letters) == 2
	}, "the poisoned events never reached the dead letters")
	first := letters[0]
	if first.GetConsumer() != "things-audit" || first.GetSubject() != "things.thing.created" ||
		first.GetDeliveries() != 2 || first.GetError() != "cannot audit a poisoned thing" || first.GetEventId() == "" {
		t.Errorf("dead letter = %v", first)
	}

	// Paging: one at a time, then the second, then no token.
	page, err := dlq.ListDeadLetters(admin, &opsv1.ListDeadLettersRequest{Page: pageOf(1, "")})
	if err != nil || len(page.GetDeadLetters()) != 1 || page.GetPage().GetNextPageToken() == "" {
		t.Fatalf("first page = %v, %v", page, err)
	}
	page, err = dlq.ListDeadLetters(admin, &opsv1.ListDeadLettersRequest{Page: pageOf(1, page.GetPage().GetNextPageToken())})
	if err != nil || len(page.GetDeadLetters()) != 1 || page.GetDeadLetters()[0].GetSequence() != letters[1].GetSequence() {
		t.Fatalf("second page = %v, %v", page, err)
	}

	got, err := dlq.GetDeadLetter(admin, &opsv1.GetDeadLetterRequest{Sequence: first.GetSequence()})
	if err != nil || !strings.Contains(string(got.GetPayload()), "poison one") || got.GetHeaders()[natsx.HeaderEventID] != first.GetEventId() {
		t.Fatalf("GetDeadLetter = %v, %v", got, err)
	}

	calls := []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"a buyer may not list", func() error {
			_, err := dlq.ListDeadLetters(m.as(t, auth.KindUser, auth.RoleBuyer), &opsv1.ListDeadLettersRequest{})
			return err
		}, codes.PermissionDenied},
		{"a service account may not replay", func() error {
			_, err := dlq.ReplayDeadLetter(m.as(t, auth.KindService, auth.RoleService, auth.RoleAdmin), &opsv1.ReplayDeadLetterRequest{Sequence: first.GetSequence()})
			return err
		}, codes.PermissionDenied},
		{"no token", func() error {
			_, err := dlq.DiscardDeadLetter(ctx, &opsv1.DiscardDeadLetterRequest{Sequence: first.GetSequence()})
			return err
		}, codes.Unauthenticated},
		{"a consumer of another service", func() error {
			_, err := dlq.ListDeadLetters(admin, &opsv1.ListDeadLettersRequest{Consumer: "inventory-catalog"})
			return err
		}, codes.InvalidArgument},
		{"no sequence", func() error {
			_, err := dlq.GetDeadLetter(admin, &opsv1.GetDeadLetterRequest{})
			return err
		}, codes.InvalidArgument},
		{"an unknown sequence", func() error {
			_, err := dlq.GetDeadLetter(admin, &opsv1.GetDeadLetterRequest{Sequence: 999})
			return err
		}, codes.NotFound},
		{"a replay that fails again", func() error {
			_, err := dlq.ReplayDeadLetter(admin, &opsv1.ReplayDeadLetterRequest{Sequence: first.GetSequence()})
			return err
		}, codes.FailedPrecondition},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if got := status.Code(c.call()); got != c.want {
				t.Errorf("code = %v, want %v", got, c.want)
			}
		})
	}
	if m.applied.Load() != 0 {
		t.Fatalf("applied %d events before any replay", m.applied.Load())
	}

	m.fixed.Store(true)
	replayed, err := dlq.ReplayDeadLetter(admin, &opsv1.ReplayDeadLetterRequest{Sequence: first.GetSequence()})
	if err != nil || !replayed.GetApplied() {
		t.Fatalf("replay = %v, %v", replayed, err)
	}
	if _, err := dlq.DiscardDeadLetter(admin, &opsv1.DiscardDeadLetterRequest{Sequence: letters[1].GetSequence()}); err != nil {
		t.Fatalf("discard: %v", err)
	}
	if left, err := dlq.ListDeadLetters(admin, &opsv1.ListDeadLettersRequest{}); err != nil || len(left.GetDeadLetters()) != 0 {
		t.Errorf("dead letters left: %v, %v", left, err)
	}
	if n := m.applied.Load(); n != 1 {
		t.Errorf("applied %d events, want the replayed one only", n)
	}
	if _, err := dlq.ReplayDeadLetter(admin, &opsv1.ReplayDeadLetterRequest{Sequence: first.GetSequence()}); status.Code(err) != codes.NotFound {
		t.Errorf("second replay = %v, want NotFound", err)
	}
	cancel()
	waitStopped(t, m.done)
}

// Every service exports its outbox backlog, each consumer's lag and dead
// letters, and the failing steps of its queues, which the alerts watch.
func TestRuntimeExportsTheEventFlow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := startThings(ctx, t)
	m.rt.ObserveFailingSteps("things", func(context.Context) ([]service.FailingSteps, error) {
		return []service.FailingSteps{{Kind: "push", Count: 2, Longest: 90 * time.Second}}, nil
	}, "push", "pull")
	m.rt.ObserveFailingSteps("broken", func(context.Context) ([]service.FailingSteps, error) {
		return []service.FailingSteps{{Kind: "push", Count: 1, Longest: time.Second}}, errors.New("the probe's query failed")
	})
	testkit.Emit(t, m.rt.Pool, "things.thing.created", wrapperspb.String("poison"))
	want := []string{
		"crossdock_outbox_pending ",
		"crossdock_outbox_oldest_pending_age_seconds ",
		`crossdock_inbox_consumer_pending{consumer="things-audit"`,
		`crossdock_inbox_consumer_unacknowledged{consumer="things-audit"`,
		`crossdock_inbox_dead_letters{consumer="things-audit"`,
		"crossdock_db_pool_acquired ",
		"crossdock_db_pool_max ",
	}
	var body string
	eventstest.Eventually(t, 20*time.Second, func() bool {
		body = scrape(t, m.rt)
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false
			}
		}
		return metricValue(body, `crossdock_inbox_dead_letters{consumer="things-audit"`) == "1"
	}, "metrics never showed the event flow")
	steps := map[string]string{}
	for line := range strings.SplitSeq(body, "\n") {
		for _, kind := range []string{"push", "pull"} {
			if name, _, ok := strings.Cut(line, `{kind="`+kind+`",`); ok && strings.Contains(line, `queue="things"`) {
				steps[name+" "+kind] = line[strings.LastIndex(line, " ")+1:]
			}
		}
	}
	for series, want := range map[string]string{
		"crossdock_steps_failing push": "2", "crossdock_steps_failing_oldest_age_seconds push": "90",
		// A declared kind with nothing failing is a zero, not a gap.
		"crossdock_steps_failing pull": "0", "crossdock_steps_failing_oldest_age_seconds pull": "0",
	} {
		if got := steps[series]; got != want {
			t.Errorf("%s = %q, want %s", series, got, want)
		}
	}
	if strings.Contains(body, `queue="broken"`) {
		t.Errorf("a probe that failed was reported")
	}
	cancel()
	waitStopped(t, m.done)
}

// Pages of the dead-letter list hold every dead letter of this service's
// consumers once, whatever other services' dead letters stand between them
// in the shared stream.
func TestDeadLetterPagesSkipNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := startThings(ctx, t)
	dlq := opsv1.NewDeadLetterServiceClient(m.conn)
	admin := m.as(t, auth.KindUser, auth.RoleAdmin)
	ownDeadLetters := func(n int) {
		t.Helper()
		eventstest.Eventually(t, 20*time.Second, func() bool {
			resp, err := dlq.ListDeadLetters(admin, &opsv1.ListDeadLettersRequest{})
			return err == nil && len(resp.GetDeadLetters()) == n
		}, "the poisoned events never reached the dead letters")
	}
	testkit.Emit(t, m.rt.Pool, "things.thing.created", wrapperspb.String("poison one"))
	ownDeadLetters(1)
	// Another service's consumer gave up on an event of its own.
	foreign := nats.NewMsg(inbox.DeadLetterSubject("others-audit"))
	foreign.Header.Set(inbox.HeaderDLQConsumer, "others-audit")
	foreign.Data = []byte("theirs")
	if _, err := m.rt.JS.PublishMsg(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"poison two", "poison three", "poison four"} {
		testkit.Emit(t, m.rt.Pool, "things.thing.created", wrapperspb.String(p))
	}
	ownDeadLetters(4)
	var seen []uint64
	token := ""
	for range 10 {
		page, err := dlq.ListDeadLetters(admin, &opsv1.ListDeadLettersRequest{Page: pageOf(2, token)})
		if err != nil {
			t.Fatal(err)
		}
		for _, dl := range page.GetDeadLetters() {
			seen = append(seen, dl.GetSequence())
		}
		if token = page.GetPage().GetNextPageToken(); token == "" {
			break
		}
	}
	if len(seen) != 4 {
		t.Errorf("paging by 2 returned dead letters %v, want the 4 of this service's consumer", seen)
	}
}

func pageOf(size int32, token string) *commonv1.PageRequest {
	return &commonv1.PageRequest{PageSize: size, PageToken: token}
}

// scrape reads the runtime's /metrics.
func scrape(t *testing.T, rt *service.Runtime) string {
	t.Helper()
	resp, err := http.Get("http://" + rt.Server.AdminAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// metricValue is the value of the first sample whose line starts with prefix.
func metricValue(body, prefix string) string {
	for line := range strings.SplitSeq(body, "\n") {
		if strings.HasPrefix(line, prefix) {
			fields := strings.Fields(line)
			return fields[len(fields)-1]
		}
	}
	return ""
}
