package grpcapi_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/services/users/internal/app"
)

// Failed logins are throttled by the users service itself, over its own gRPC
// port: the answer is ResourceExhausted with RetryInfo. A client address a
// gateway forwards splits the count, so one client's failures do not hold
// up another behind the same gateway.
func TestFailedLoginsAreThrottledOverTheWire(t *testing.T) {
	c, _, _ := start(t)
	if _, err := c.SignUp(context.Background(), &usersv1.SignUpRequest{
		Email: "ann@example.com", Password: password, DisplayName: "Ann", AccountType: usersv1.AccountType_ACCOUNT_TYPE_BUYER,
	}); err != nil {
		t.Fatal(err)
	}
	behind := func(addr string) context.Context {
		return metadata.AppendToOutgoingContext(context.Background(), "x-client-address", addr)
	}
	guesser := behind("198.51.100.7")
	for i := range app.DefaultThrottlePolicy().PairFree {
		_, err := c.Login(guesser, &usersv1.LoginRequest{Email: "ann@example.com", Password: fmt.Sprint("guess ", i)})
		wantCode(t, err, codes.Unauthenticated)
	}
	_, err := c.Login(guesser, &usersv1.LoginRequest{Email: "ann@example.com", Password: password})
	wantCode(t, err, codes.ResourceExhausted)
	var retry *errdetails.RetryInfo
	for _, d := range status.Convert(err).Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			retry = ri
		}
	}
	if retry == nil || retry.GetRetryDelay().AsDuration() <= 0 {
		t.Errorf("no retry delay in %v", status.Convert(err).Details())
	}
	if _, err := c.Login(behind("203.0.113.9"), &usersv1.LoginRequest{Email: "ann@example.com", Password: password}); err != nil {
		t.Errorf("another client behind the same gateway: %v", err)
	}
	// An IPv6 client is counted by its /64: a new address of it per guess
	// is the same guesser.
	for i := range app.DefaultThrottlePolicy().PairFree {
		_, err := c.Login(behind(fmt.Sprintf("2001:db8:7:7::%x", i+1)), &usersv1.LoginRequest{Email: "ann@example.com", Password: fmt.Sprint("guess ", i)})
		wantCode(t, err, codes.Unauthenticated)
	}
	_, err = c.Login(behind("2001:db8:7:7::ffff"), &usersv1.LoginRequest{Email: "ann@example.com", Password: password})
	wantCode(t, err, codes.ResourceExhausted)
}

// An organization owner's EMAIL_TAKEN answers count per client over the
// wire too: the owner probing addresses is slowed, and another owner
// behind the same gateway is not. Without the client's identity every
// owner shared one count, and one prober held them all up.
func TestMemberAdditionsAreThrottledPerClientOverTheWire(t *testing.T) {
	c, _, _ := start(t)
	for i := range app.DefaultThrottlePolicy().ClientFree {
		signUp(t, c, fmt.Sprintf("taken%d@example.com", i), usersv1.AccountType_ACCOUNT_TYPE_BUYER)
	}
	owner := func(email string) (token, org string) {
		sup := signUp(t, c, email, usersv1.AccountType_ACCOUNT_TYPE_SUPPLIER)
		return login(t, c, email, password).GetAccessToken(), sup.GetOrganization().GetOrganizationId()
	}
	from := func(token, addr string) context.Context {
		return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token, "x-client-address", addr)
	}
	add := func(ctx context.Context, org, email string) error {
		_, err := c.AddOrganizationMember(ctx, &usersv1.AddOrganizationMemberRequest{OrganizationId: org, Email: email, Password: password, DisplayName: "S"})
		return err
	}
	prober, probersOrg := owner("prober@example.com")
	for i := range app.DefaultThrottlePolicy().ClientFree {
		wantCode(t, add(from(prober, "198.51.100.7"), probersOrg, fmt.Sprintf("taken%d@example.com", i)), codes.AlreadyExists)
	}
	wantCode(t, add(from(prober, "198.51.100.7"), probersOrg, "free@example.com"), codes.ResourceExhausted)
	other, othersOrg := owner("shop@example.com")
	if err := add(from(other, "203.0.113.9"), othersOrg, "staff@example.com"); err != nil {
		t.Errorf("another owner behind the same gateway: %v", err)
	}
}
