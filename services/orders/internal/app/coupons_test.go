package app_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// coupons is the coupon use cases on a real database, with a clock the
// test moves.
type coupons struct {
	svc   *app.Service
	store *postgres.Store
	world *world // the peers: users answers which holders are accounts
	at    time.Time
	admin auth.Caller
}

func newCoupons(t *testing.T) *coupons {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	c := &coupons{store: postgres.New(pool), world: newWorld(), at: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		admin: auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}}
	c.svc = app.New(c.store, c.world.peers(), app.Config{})
	c.svc.SetClock(func() time.Time { return c.at })
	return c
}

// campaign is a valid campaign for December 2026 in USD, through any
// channel.
func (c *coupons) campaign() domain.Campaign {
	return domain.Campaign{Name: "December", Kind: domain.FixedAmount, Currency: "USD", Amount: money.MustNew(500, "USD"),
		MinimumSpend: money.MustNew(1000, "USD"), ValidFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		ValidUntil: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), FundedBy: domain.FundedByPlatform, Channel: domain.AnyChannel}
}

func (c *coupons) create(t *testing.T, in domain.Campaign) domain.Campaign {
	t.Helper()
	out, err := c.svc.CreateCampaign(ctx, c.admin, "", in)
	if err != nil {
		t.Fatalf("create campaign: %v", err)
	}
	return out
}

func (c *coupons) issue(t *testing.T, campaign uuid.UUID, holders ...domain.Holder) []uuid.UUID {
	t.Helper()
	iss, _, err := c.svc.IssueCoupons(ctx, c.admin, campaign, uuid.NewString(), holders)
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
	return iss.CouponIDs
}

func userOf(caller auth.Caller) domain.Holder { return domain.UserHolder(caller.Subject) }

func merchantMember(org uuid.UUID) auth.Caller {
	return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: org.String()}
}

func TestCampaignsAreAdminsOnlyAndValidated(t *testing.T) {
	c := newCoupons(t)
	if _, err := c.svc.CreateCampaign(ctx, buyer(), "", c.campaign()); !errors.Is(err, app.ErrAdminsOnly) {
		t.Fatalf("a buyer creating a campaign: %v, want ADMINS_ONLY", err)
	}
	bad := c.campaign()
	bad.Kind, bad.PercentBPS, bad.Amount = domain.Percentage, 12000, money.Money{}
	bad.ValidUntil = bad.ValidFrom
	bad.Currency = "usd"
	_, err := c.svc.CreateCampaign(ctx, c.admin, "", bad)
	var e *apperr.Error
	if !asApp(err, &e) || e.Kind != apperr.KindInvalid {
		t.Fatalf("bad campaign: %v, want INVALID_ARGUMENT", err)
	}
	var fields []string
	for _, v := range e.Violations {
		fields = append(fields, v.Field)
	}
	if want := []string{"currency_code", "percent_bps", "valid_until"}; !slices.Equal(fields, want) {
		t.Errorf("violations %v, want %v", fields, want)
	}

	in := c.campaign()
	in.CategoryIDs = []uuid.UUID{uuid.New()}
	in.Kind, in.Amount, in.PercentBPS = domain.Percentage, money.Money{}, 1250
	limit := money.MustNew(2000, "USD")
	in.Cap = &limit
	made := c.create(t, in)
	got, err := c.svc.GetCampaign(ctx, c.admin, made.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != in.Name || got.Kind != domain.Percentage || got.PercentBPS != 1250 || got.Cap == nil || *got.Cap != limit ||
		got.MinimumSpend != in.MinimumSpend || !got.ValidFrom.Equal(in.ValidFrom) || !got.ValidUntil.Equal(in.ValidUntil) ||
		!slices.Equal(got.CategoryIDs, in.CategoryIDs) || got.SupplierIDs != nil || got.CreatedBy != c.admin.Subject {
		t.Errorf("stored campaign %+v, created from %+v", got, in)
	}
	if _, err := c.svc.GetCampaign(ctx, buyer(), made.ID); !errors.Is(err, app.ErrAdminsOnly) {
		t.Errorf("a buyer reading a campaign: %v", err)
	}
	if _, err := c.svc.GetCampaign(ctx, c.admin, uuid.New()); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("an unknown campaign: %v", err)
	}

	// Three campaigns in pages of two, newest first.
	c.at = c.at.Add(time.Minute)
	second := c.create(t, c.campaign())
	c.at = c.at.Add(time.Minute)
	third := c.create(t, c.campaign())
	page, next, err := c.svc.ListCampaigns(ctx, c.admin, 2, "")
	if err != nil || len(page) != 2 || page[0].ID != third.ID || page[1].ID != second.ID || next == "" {
		t.Fatalf("first page %v, next %q, %v", page, next, err)
	}
	page, next, err = c.svc.ListCampaigns(ctx, c.admin, 2, next)
	if err != nil || len(page) != 1 || page[0].ID != made.ID || next != "" {
		t.Fatalf("second page %v, next %q, %v", page, next, err)
	}
}

func TestIssuingRefusesHoldersThatAreNoAccounts(t *testing.T) {
	c := newCoupons(t)
	ann, ghost := userOf(buyer()), userOf(buyer())
	shop, factory, gone := uuid.New(), uuid.New(), uuid.New()
	c.world.noAccount = map[uuid.UUID]bool{ghost.ID: true, gone: true}
	c.world.supplierOrgs = map[uuid.UUID]bool{factory: true}
	org := func(id uuid.UUID) domain.Holder { return domain.Holder{Kind: domain.HolderOrganization, ID: id} }
	merchants := c.campaign()
	merchants.Channel = domain.MerchantChannel

	for _, tt := range []struct {
		name     string
		campaign domain.Campaign
		holders  []domain.Holder
		want     []string
	}{
		{"a user that is none", c.campaign(), []domain.Holder{ann, ghost}, []string{"holders[1].id"}},
		{"an organization that is none", c.campaign(), []domain.Holder{org(gone), org(shop)}, []string{"holders[0].id"}},
		{"merchant coupons to a supplier", merchants, []domain.Holder{org(shop), org(factory)}, []string{"holders[1].id"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			campaign := c.create(t, tt.campaign)
			_, _, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "refused-"+campaign.ID.String(), tt.holders)
			if got := testkit.Fields(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("violations %v, want %v", got, tt.want)
			}
			// Nothing issued: the id is free for the corrected list.
			fixed := slices.DeleteFunc(slices.Clone(tt.holders), func(h domain.Holder) bool {
				return c.world.noAccount[h.ID] || campaign.Channel == domain.MerchantChannel && c.world.supplierOrgs[h.ID]
			})
			if iss, replayed, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "refused-"+campaign.ID.String(), fixed); err != nil || replayed || len(iss.CouponIDs) != 1 {
				t.Fatalf("the corrected issuance: %+v, replayed %v, %v", iss, replayed, err)
			}
		})
	}
}

func TestIssuingIsIdempotentOnTheIssuanceID(t *testing.T) {
	c := newCoupons(t)
	campaign := c.create(t, c.campaign())
	ann, bob, org := userOf(buyer()), userOf(buyer()), domain.Holder{Kind: domain.HolderOrganization, ID: uuid.New()}
	segment := []domain.Holder{ann, bob, org}

	first, replayed, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "segment-1", segment)
	if err != nil || replayed || len(first.CouponIDs) != 3 {
		t.Fatalf("first issuance: %+v, replayed %v, %v", first, replayed, err)
	}
	again, replayed, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "segment-1", segment)
	if err != nil || !replayed || !slices.Equal(again.CouponIDs, first.CouponIDs) {
		t.Fatalf("retry: %+v, replayed %v, %v; want the first's coupons %v", again.CouponIDs, replayed, err, first.CouponIDs)
	}
	if _, _, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "segment-1", segment[:2]); !errors.Is(err, app.ErrIssuanceReused) {
		t.Fatalf("the id reused for other holders: %v, want ISSUANCE_ID_REUSED", err)
	}
	if _, _, err := c.svc.IssueCoupons(ctx, buyer(), campaign.ID, "segment-2", segment); !errors.Is(err, app.ErrAdminsOnly) {
		t.Fatalf("a buyer issuing: %v", err)
	}
	if _, _, err := c.svc.IssueCoupons(ctx, c.admin, uuid.New(), "segment-3", segment); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("an unknown campaign: %v", err)
	}

	// Ten retries at once of a new issuance store it once.
	var wg sync.WaitGroup
	answers := make([][]uuid.UUID, 10)
	errs := make([]error, 10)
	for i := range answers {
		wg.Go(func() {
			iss, _, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "segment-4", segment)
			answers[i], errs[i] = iss.CouponIDs, err
		})
	}
	wg.Wait()
	for i := range answers {
		if errs[i] != nil || !slices.Equal(answers[i], answers[0]) || len(answers[i]) != 3 {
			t.Fatalf("concurrent issuance %d: %v, %v; first %v", i, answers[i], errs[i], answers[0])
		}
	}
	// Ann holds one coupon per issuance: two.
	annCaller := auth.Caller{Subject: ann.ID.String(), Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	if list, _, err := c.svc.ListMyCoupons(ctx, annCaller, "", 0, ""); err != nil || len(list) != 2 {
		t.Fatalf("ann's coupons: %d, %v; want 2", len(list), err)
	}

	// Once the campaign ended nothing new is issued, but a retry of an
	// issuance made in time still answers it.
	c.at = campaign.ValidUntil
	if _, _, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "segment-5", segment); !errors.Is(err, app.ErrCampaignEnded) {
		t.Fatalf("issuing after the end: %v, want CAMPAIGN_ENDED", err)
	}
	if again, replayed, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "segment-1", segment); err != nil || !replayed || !slices.Equal(again.CouponIDs, first.CouponIDs) {
		t.Fatalf("retry after the end: %v, %v, %v", again.CouponIDs, replayed, err)
	}
	if _, _, err := c.svc.IssueCoupons(ctx, c.admin, campaign.ID, "segment-5", segment); !errors.Is(err, app.ErrCampaignEnded) {
		t.Fatalf("the refused issuance stored something: %v", err)
	}
}

func TestCouponsAreSeenByTheirHoldersOnly(t *testing.T) {
	c := newCoupons(t)
	campaign := c.create(t, c.campaign())
	acme, bolt := uuid.New(), uuid.New()
	ann, acmeStaff, boltStaff := buyer(), merchantMember(acme), merchantMember(bolt)
	annCoupon := c.issue(t, campaign.ID, userOf(ann))[0]
	c.at = c.at.Add(time.Second)
	acmeCoupons := c.issue(t, campaign.ID, domain.Holder{Kind: domain.HolderOrganization, ID: acme}, userOf(acmeStaff))
	c.at = c.at.Add(time.Second)
	acmeSecond := c.issue(t, campaign.ID, domain.Holder{Kind: domain.HolderOrganization, ID: acme})[0]

	ids := func(caller auth.Caller, status domain.CouponStatus, size int) []uuid.UUID {
		t.Helper()
		var out []uuid.UUID
		token := ""
		for {
			page, next, err := c.svc.ListMyCoupons(ctx, caller, status, size, token)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range page {
				if v.Campaign.ID != campaign.ID {
					t.Errorf("coupon %s comes with campaign %s", v.ID, v.Campaign.ID)
				}
				out = append(out, v.ID)
			}
			if token = next; token == "" {
				return out
			}
		}
	}
	// Newest first; the member sees the organization's and its own; in
	// pages of one as in one page.
	if got, want := ids(acmeStaff, "", 1), []uuid.UUID{acmeSecond, acmeCoupons[1], acmeCoupons[0]}; !sameSet(got, want) || got[0] != acmeSecond {
		t.Errorf("acme's member sees %v, want %v", got, want)
	}
	if got := ids(boltStaff, "", 0); len(got) != 0 {
		t.Errorf("another merchant sees %v", got)
	}
	if got := ids(ann, "", 0); !slices.Equal(got, []uuid.UUID{annCoupon}) {
		t.Errorf("ann sees %v", got)
	}
	// A buyer who is not the merchant's member does not see its coupons,
	// even naming the organization.
	posing := buyer()
	posing.OrganizationID = acme.String()
	if got := ids(posing, "", 0); len(got) != 0 {
		t.Errorf("a buyer claiming acme's id sees %v", got)
	}

	for _, tc := range []struct {
		name   string
		caller auth.Caller
		coupon uuid.UUID
		found  bool
	}{
		{"holder", ann, annCoupon, true},
		{"admin", c.admin, annCoupon, true},
		{"member of the holding merchant", acmeStaff, acmeCoupons[0], true},
		{"another buyer", buyer(), annCoupon, false},
		{"another merchant", boltStaff, acmeCoupons[0], false},
		{"a merchant's member, a buyer's coupon", acmeStaff, annCoupon, false},
		{"unknown", c.admin, uuid.New(), false},
	} {
		got, err := c.svc.GetCoupon(ctx, tc.caller, tc.coupon)
		switch {
		case tc.found && (err != nil || got.ID != tc.coupon || got.Campaign.Name != campaign.Name):
			t.Errorf("%s: %+v, %v", tc.name, got, err)
		case !tc.found && !apperr.IsKind(err, apperr.KindNotFound):
			t.Errorf("%s: %v, want NOT_FOUND", tc.name, err)
		}
	}

	// The status filter.
	order := uuid.New()
	if err := c.store.InTx(ctx, func(r app.Repository) error {
		_, err := c.svc.RedeemCoupon(ctx, r, acmeCoupons[0].String(), domain.Holder{Kind: domain.HolderOrganization, ID: acme}, order)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := ids(acmeStaff, domain.CouponRedeemed, 0); !slices.Equal(got, []uuid.UUID{acmeCoupons[0]}) {
		t.Errorf("redeemed: %v", got)
	}
	if got := ids(acmeStaff, domain.CouponAvailable, 0); !sameSet(got, []uuid.UUID{acmeSecond, acmeCoupons[1]}) {
		t.Errorf("available: %v", got)
	}
	if v, err := c.svc.GetCoupon(ctx, acmeStaff, acmeCoupons[0]); err != nil || v.Status != domain.CouponRedeemed || *v.OrderID != order || !v.RedeemedAt.Equal(c.at) {
		t.Errorf("redeemed coupon %+v, %v", v, err)
	}
}

func sameSet(a, b []uuid.UUID) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(id uuid.UUID) bool { return !slices.Contains(b, id) })
}

// redeem redeems a coupon for an order in a transaction of its own, as
// checkout's.
func (c *coupons) redeem(coupon uuid.UUID, holder domain.Holder, order uuid.UUID) (domain.Campaign, error) {
	var campaign domain.Campaign
	err := c.store.InTx(ctx, func(r app.Repository) error {
		var err error
		campaign, err = c.svc.RedeemCoupon(ctx, r, coupon.String(), holder, order)
		return err
	})
	return campaign, err
}

func (c *coupons) restore(t *testing.T, order uuid.UUID) {
	t.Helper()
	if err := c.store.InTx(ctx, func(r app.Repository) error { return c.svc.RestoreCoupon(ctx, r, order) }); err != nil {
		t.Fatal(err)
	}
}

func TestACouponIsRedeemedAtMostOnce(t *testing.T) {
	c := newCoupons(t)
	campaign := c.create(t, c.campaign())
	ann := userOf(buyer())
	coupon := c.issue(t, campaign.ID, ann)[0]

	// 50 orders at once: one wins, 49 are told it is used.
	orders := make([]uuid.UUID, 50)
	errs := make([]error, 50)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range orders {
		orders[i] = uuid.New()
		wg.Go(func() {
			<-start
			_, errs[i] = c.redeem(coupon, ann, orders[i])
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("orders %d and %d both redeemed the coupon", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, app.ErrCouponAlreadyUsed):
			t.Fatalf("order %d: %v, want COUPON_ALREADY_USED", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no order redeemed the coupon")
	}
	won := orders[winner]

	// The winner's retry succeeds and answers the campaign; the others'
	// still fail; someone else's holder is told the coupon does not exist.
	if got, err := c.redeem(coupon, ann, won); err != nil || got.ID != campaign.ID {
		t.Fatalf("the winning order again: %v, %v", got.ID, err)
	}
	if got, err := c.svc.CouponCampaign(ctx, coupon.String(), ann, won); err != nil || got.ID != campaign.ID {
		t.Fatalf("the winning order's campaign: %v, %v", got.ID, err)
	}
	loser := orders[(winner+1)%len(orders)]
	if _, err := c.svc.CouponCampaign(ctx, coupon.String(), ann, loser); !errors.Is(err, app.ErrCouponAlreadyUsed) {
		t.Fatalf("another order's campaign lookup: %v", err)
	}
	for name, try := range map[string]func() error{
		"another holder":     func() error { _, err := c.redeem(coupon, userOf(buyer()), uuid.New()); return err },
		"an unknown coupon":  func() error { _, err := c.redeem(uuid.New(), ann, uuid.New()); return err },
		"not an id":          func() error { _, err := c.svc.CouponCampaign(ctx, "SAVE10", ann, uuid.New()); return err },
		"another's campaign": func() error { _, err := c.svc.CouponCampaign(ctx, coupon.String(), userOf(buyer()), won); return err },
		"the org of the same": func() error {
			_, err := c.redeem(coupon, domain.Holder{Kind: domain.HolderOrganization, ID: ann.ID}, uuid.New())
			return err
		},
	} {
		if err := try(); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("%s: %v, want NOT_FOUND", name, err)
		}
	}

	// Restoring for an order that did not redeem it changes nothing; the
	// winner's cancellation gives it back (twice is once), and another
	// order can then redeem it.
	c.restore(t, loser)
	if _, err := c.redeem(coupon, ann, loser); !errors.Is(err, app.ErrCouponAlreadyUsed) {
		t.Fatalf("after another order's restore: %v", err)
	}
	c.restore(t, won)
	c.restore(t, won)
	if v, err := c.svc.GetCoupon(ctx, c.admin, coupon); err != nil || v.Status != domain.CouponAvailable || v.OrderID != nil || v.RedeemedAt != nil {
		t.Fatalf("restored coupon %+v, %v", v, err)
	}
	if _, err := c.redeem(coupon, ann, loser); err != nil {
		t.Fatalf("redeeming the restored coupon: %v", err)
	}
	if _, err := c.redeem(coupon, ann, won); !errors.Is(err, app.ErrCouponAlreadyUsed) {
		t.Fatalf("the first order after its cancellation: %v", err)
	}

	// A redemption whose transaction fails leaves the coupon available.
	other := c.issue(t, campaign.ID, ann)[0]
	boom := errors.New("the order could not be stored")
	err := c.store.InTx(ctx, func(r app.Repository) error {
		if _, err := c.svc.RedeemCoupon(ctx, r, other.String(), ann, uuid.New()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if v, err := c.svc.GetCoupon(ctx, c.admin, other); err != nil || v.Status != domain.CouponAvailable {
		t.Fatalf("after a rolled-back redemption: %+v, %v", v, err)
	}
}

// A create retried with its request id answers the first campaign; the id
// reused with other terms is refused and stores nothing.
func TestCreateCampaignIsIdempotentOnItsRequestID(t *testing.T) {
	c := newCoupons(t)
	in := c.campaign()
	first, err := c.svc.CreateCampaign(ctx, c.admin, "winter-2026", in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.svc.CreateCampaign(ctx, c.admin, "winter-2026", in)
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry: %v, %v (first %v)", again.ID, err, first.ID)
	}
	other := in
	other.Name = "Spring"
	if _, err := c.svc.CreateCampaign(ctx, c.admin, "winter-2026", other); !errors.Is(err, app.ErrCampaignRequestReused) {
		t.Fatalf("reused request id: %v", err)
	}
	if _, err := c.svc.CreateCampaign(ctx, c.admin, "bad\nid", in); apperr.KindOf(err) != apperr.KindInvalid {
		t.Fatalf("a request id with a control character: %v", err)
	}
	list, _, err := c.svc.ListCampaigns(ctx, c.admin, 50, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("%d campaigns stored, want 1 (%v)", len(list), err)
	}
}
