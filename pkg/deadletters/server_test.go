package deadletters_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	opsv1 "github.com/crossdock/crossdock/gen/crossdock/ops/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/deadletters"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// The list pages through this service's dead letters among other
// services' in the shared stream: a page filled in the stream's last batch
// still gives a token for the letters after it. Before, those were never
// listed, and the queue looked empty.
func TestTheListPagesToTheLastLetterAmongOthers(t *testing.T) {
	ctx := context.Background()
	_, _, js := testkit.JetStream(t)
	if _, err := natsx.EnsureStream(ctx, js, natsx.DeadLetterStream); err != nil {
		t.Fatal(err)
	}
	letter := func(consumer string) {
		t.Helper()
		m := nats.NewMsg(inbox.DeadLetterSubject(consumer))
		m.Header.Set(inbox.HeaderDLQConsumer, consumer)
		m.Data = []byte("x")
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"ours", "ours", "theirs", "ours", "ours"} {
		letter(c)
	}
	s := deadletters.New(js)
	s.Add(&inbox.Consumer{Name: "ours"})
	admin := auth.WithCaller(ctx, auth.Caller{Subject: "ops", Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}})
	seen, token := 0, ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the list never ends")
		}
		resp, err := s.ListDeadLetters(admin, &opsv1.ListDeadLettersRequest{Page: &commonv1.PageRequest{PageSize: 3, PageToken: token}})
		if err != nil {
			t.Fatal(err)
		}
		seen += len(resp.GetDeadLetters())
		if token = resp.GetPage().GetNextPageToken(); token == "" {
			break
		}
	}
	if seen != 4 {
		t.Errorf("%d of our 4 dead letters listed", seen)
	}
}
