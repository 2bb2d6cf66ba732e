package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

const (
	usersGRPCPort   = 9101
	financeGRPCPort = 9106
)

// serviceToken signs in as a service of the mesh in dir with the service
// account crossdock up generated for it, as that service does itself.
func serviceToken(t *testing.T, dir string, offset int, service string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		ServiceAccounts map[string]struct {
			ClientID string `json:"client_id"`
			Secret   string `json:"secret"`
		} `json:"service_accounts"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	sa, ok := f.ServiceAccounts[service]
	if !ok {
		t.Fatalf("secrets.json has no service account for %s", service)
	}
	conn := dial(t, addr(usersGRPCPort, offset))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := usersv1.NewUsersServiceClient(conn).IssueServiceToken(ctx, &usersv1.IssueServiceTokenRequest{ClientId: sa.ClientID, ClientSecret: sa.Secret})
	if err != nil {
		t.Fatalf("service token for %s: %v", service, err)
	}
	return resp.GetAccessToken()
}

func dial(t *testing.T, target string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// killProcess sends SIGKILL to the one live process whose command line is
// exactly path (a service binary of a mesh), and returns its pid.
func killProcess(path string) (int, error) {
	found, err := processesMentioning(path)
	if err != nil {
		return 0, err
	}
	var pids []int
	for _, line := range found {
		pid, cmdline, _ := strings.Cut(line, ": ")
		if n, err := strconv.Atoi(pid); err == nil && (cmdline == path || strings.HasPrefix(cmdline, path+" ")) {
			pids = append(pids, n)
		}
	}
	if len(pids) != 1 {
		return 0, fmt.Errorf("want one process %s, found %q", path, found)
	}
	return pids[0], syscall.Kill(pids[0], syscall.SIGKILL)
}

// killWhenRunning kills the one process running path, waiting up to within
// for it to be there (the supervisor may still be restarting it).
func killWhenRunning(path string, within time.Duration) (int, error) {
	deadline := time.Now().Add(within)
	for {
		pid, err := killProcess(path)
		if err == nil || time.Now().After(deadline) {
			return pid, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A stream of checkout payments runs while the finance process is killed
// with SIGKILL (no shutdown, no flush of anything in memory) and started
// again; every fourth is a merchant's, paid from its deposit. Callers retry
// what failed with the same order id, as the orders service does.
// Afterwards every payment is in the book exactly once: a replay of each
// answers the first result and moves nothing, the wallet and the deposit
// hold their top-ups less each of their payments once, and the book
// balances per currency.
func TestFinanceSurvivesKillDuringPayments(t *testing.T) {
	f := newFinanceCrash(t, "127.0.0.34")
	c, buyer, word, auth, offset := f.c, f.buyer, f.word, f.auth, shared.offset
	restartsBefore := shared.up.restarts("finance")
	admin, _ := c.login(adminEmail, demoPassword)
	merchant := newMerchant(t, c, admin, "Crash Corner "+word, "standard")
	fundDeposit(t, c, merchant.Access, merchant.OrgID, "EUR", crashFunds, "crash-deposit-"+word)
	fromDeposit := func(i int) bool { return i%4 == 3 }

	escrows := financev1.NewEscrowServiceClient(f.finance)
	supplier := "00000000-0000-4000-8000-" + fmt.Sprintf("%012d", offset)
	request := func(i int) *financev1.PayCheckoutRequest {
		order := fmt.Sprintf("crash-%s-%03d", word, i)
		req := &financev1.PayCheckoutRequest{
			OrderId: order, BuyerId: buyer.ID, BuyerCurrency: "EUR",
			SubOrders: []*financev1.CheckoutShare{
				{SubOrderId: order + "-a", SupplierOrgId: supplier, Amount: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: int64(100 + i)}},
				{SubOrderId: order + "-b", SupplierOrgId: supplier, Amount: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 50}},
			},
		}
		if fromDeposit(i) {
			req.BuyerId, req.MerchantOrgId = merchant.ID, merchant.OrgID
		}
		return req
	}
	pay := func(req *financev1.PayCheckoutRequest) (*financev1.PayCheckoutResponse, error) {
		return throughRestarts(auth, func(ctx context.Context) (*financev1.PayCheckoutResponse, error) {
			return escrows.PayCheckout(ctx, req)
		})
	}

	const payments, workers, killAfter = 160, 4, 40
	var acked atomic.Int64
	totals := make([]int64, payments)
	errs := make(chan error, payments)
	type kill struct {
		pid int
		err error
	}
	killed := make(chan kill, 1)
	go func() {
		for acked.Load() < killAfter {
			time.Sleep(time.Millisecond)
		}
		pid, err := killProcess(filepath.Join(shared.dir, "bin", "finance"))
		killed <- kill{pid, err}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < payments; i += workers {
				resp, err := pay(request(i))
				if err != nil {
					errs <- fmt.Errorf("payment %d: %w", i, err)
					continue
				}
				totals[i] = resp.GetTotal().GetAmountMinor()
				acked.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	select {
	case k := <-killed:
		if k.err != nil {
			t.Fatalf("kill finance: %v", k.err)
		}
		t.Logf("killed finance (pid %d) after %d acknowledged payments", k.pid, killAfter)
	default:
		t.Fatal("finance was never killed: every payment was acknowledged before the kill")
	}
	if shared.up.restarts("finance") <= restartsBefore {
		t.Errorf("crossdock up did not report restarting finance:\n%s", shared.up.output(40))
	}

	var spent, spentFromDeposit int64
	for i := range payments {
		if want := int64(100+i) + 50; totals[i] != want {
			t.Errorf("payment %d acknowledged a total of %d, want %d", i, totals[i], want)
		}
		if fromDeposit(i) {
			spentFromDeposit += totals[i]
		} else {
			spent += totals[i]
		}
		// A retry with the same order id answers the first result.
		resp, err := pay(request(i))
		if err != nil || !resp.GetReplayed() || resp.GetTotal().GetAmountMinor() != totals[i] {
			t.Errorf("replay of payment %d: %v, %v", i, resp, err)
		}
	}
	wallet := c.do("GET", "/v1/wallet", buyer.Access, nil).must(t, 200, "wallet")
	if got := walletHolds(wallet, "EUR"); got != strconv.FormatInt(crashFunds-spent, 10) {
		t.Errorf("wallet holds %s EUR minor units, want %d − %d = %d: every payment exactly once", got, crashFunds, spent, crashFunds-spent)
	}
	if got := depositHolds(t, c, merchant.Access, merchant.OrgID, "EUR"); got != crashFunds-spentFromDeposit {
		t.Errorf("deposit holds %d EUR minor units, want %d − %d = %d: every payment exactly once", got, crashFunds, spentFromDeposit, crashFunds-spentFromDeposit)
	}

	bookBalances(t, c)
}

// crashFunds is what a finance crash test's buyer tops up: 5,000.00 EUR.
const crashFunds = 500_000

// financeCrash is where a crash test of finance starts: a buyer whose
// wallet holds crashFunds EUR (topped up through the payment sandbox), a word
// that keeps this run's keys apart from other runs', finance's gRPC
// connection and the orders service's credentials, as the mesh's callers
// send them.
type financeCrash struct {
	c       *restClient
	buyer   account
	word    string
	finance *grpc.ClientConn
	auth    metadata.MD
}

// holds is the net balance (credits less debits) of a EUR ledger account,
// read as admin.
func (f financeCrash) holds(t *testing.T, admin metadata.MD, kind, ownerType, owner string) int64 {
	t.Helper()
	r, err := throughRestarts(admin, func(ctx context.Context) (*financev1.LookupLedgerAccountResponse, error) {
		return financev1.NewLedgerServiceClient(f.finance).LookupLedgerAccount(ctx,
			&financev1.LookupLedgerAccountRequest{Kind: kind, OwnerType: ownerType, OwnerId: owner, CurrencyCode: "EUR"})
	})
	if err != nil {
		t.Fatalf("%s of %s: %v", kind, owner, err)
	}
	return r.GetAccount().GetBalance().GetNetMinor()
}

func newFinanceCrash(t *testing.T, localIP string) financeCrash {
	t.Helper()
	base, offset := apiMesh(t)
	f := financeCrash{c: newClient(t, base, localIP), word: strings.ToLower(rand.Text()[:10])}
	f.buyer = f.c.signUp("ACCOUNT_TYPE_BUYER", "")
	fundWallet(t, f.c, f.buyer.Access, "EUR", crashFunds, "crash-"+f.word)
	f.finance = dial(t, addr(financeGRPCPort, offset))
	f.auth = metadata.Pairs("authorization", "Bearer "+serviceToken(t, shared.dir, offset, "orders"))
	return f
}

// throughRestarts sends one command until the service answers it, retrying
// with the same request only what a dead or restarting process answers, as
// the mesh's callers do.
func throughRestarts[R any](auth metadata.MD, call func(context.Context) (R, error)) (R, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(context.Background(), auth), 5*time.Second)
		resp, err := call(ctx)
		cancel()
		code := status.Code(err)
		if err == nil || (code != codes.Unavailable && code != codes.DeadlineExceeded && code != codes.Canceled) || time.Now().After(deadline) {
			return resp, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bookBalances checks, as an admin, that the ledger's trial balance nets to
// zero in every currency.
func bookBalances(t *testing.T, c *restClient) {
	t.Helper()
	admin, _ := c.login(adminEmail, demoPassword)
	// Finance may have just been restarted by a crash test: the gateway
	// answers 503 until its connection to it is back.
	var trial response
	waitFor(t, "finance answering the gateway", 30*time.Second, func() (bool, string) {
		trial = c.do("GET", "/v1/ledger/trial-balance", admin, nil)
		return trial.Status != 503, trial.Raw
	})
	trial.must(t, 200, "trial balance")
	net := map[string]int64{}
	for _, line := range trial.list("lines") {
		debits, derr := strconv.ParseInt(fmt.Sprint(line["debitsPostedMinor"]), 10, 64)
		credits, cerr := strconv.ParseInt(fmt.Sprint(line["creditsPostedMinor"]), 10, 64)
		currency, _ := line["currencyCode"].(string)
		if derr != nil || cerr != nil || currency == "" {
			t.Fatalf("a trial balance line that does not read: %v (%v, %v)", line, derr, cerr)
		}
		net[currency] += credits - debits
	}
	if len(net) == 0 {
		t.Fatalf("empty trial balance: %s", trial.Raw)
	}
	for currency, n := range net {
		if n != 0 {
			t.Errorf("the book does not balance in %s: credits − debits = %d", currency, n)
		}
	}
}
