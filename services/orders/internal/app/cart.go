package app

import (
	"context"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// ErrNoCart answers a caller who has no cart: services and API clients act
// for others and buy nothing themselves.
var ErrNoCart = apperr.PermissionDenied("only a signed-in person has a cart").WithReason("PEOPLE_ONLY")

// CartView is a cart as its buyer sees it: each line with the SKU as the
// catalogue has it now, the units available, and what would stop it at
// checkout; the totals per currency.
type CartView struct {
	domain.Cart
	Lines  []LineView
	Totals []money.Money
}

// LineView is one line of a CartView.
type LineView struct {
	domain.CartLine
	// SKU is nil when the catalogue no longer knows it.
	SKU       *domain.SKU
	Total     money.Money
	Available int64
	Problem   string
}

func owner(c auth.Caller) (string, error) {
	if c.Kind != auth.KindUser || c.Subject == "" {
		return "", ErrNoCart
	}
	return c.Subject, nil
}

// GetCart returns the caller's cart.
func (s *Service) GetCart(ctx context.Context, c auth.Caller) (CartView, error) {
	buyer, err := owner(c)
	if err != nil {
		return CartView{}, err
	}
	cart, err := s.store.GetCart(ctx, buyer)
	if err != nil {
		return CartView{}, err
	}
	return s.view(ctx, c, cart)
}

// SetCartLine puts quantity of a SKU in the caller's cart (0 removes it).
// Only a SKU on sale can be added; one that went off sale can still be
// changed or removed.
func (s *Service) SetCartLine(ctx context.Context, c auth.Caller, sku uuid.UUID, quantity int32) (CartView, error) {
	buyer, err := owner(c)
	if err != nil {
		return CartView{}, err
	}
	if err := domain.CheckCartLine(sku, quantity); err != nil {
		return CartView{}, err
	}
	if quantity > 0 {
		skus, err := s.skusFor(ctx, c, []uuid.UUID{sku})
		if err != nil {
			return CartView{}, err
		}
		found, ok := skus[sku]
		if !ok {
			return CartView{}, apperr.NotFound("SKU", sku.String())
		}
		if found.NoTierPrice {
			return CartView{}, ErrNoTierPrice.WithMetadata("sku_id", sku.String())
		}
		if !found.OnSale {
			current, err := s.store.GetCart(ctx, buyer)
			if err != nil {
				return CartView{}, err
			}
			if !slices.ContainsFunc(current.Lines, func(l domain.CartLine) bool { return l.SKUID == sku }) {
				return CartView{}, apperr.FailedPrecondition("SKU " + sku.String() + " is not on sale").WithReason("NOT_ON_SALE")
			}
		}
	}
	var cart domain.Cart
	err = s.store.InTx(ctx, func(r Repository) error {
		now := s.clock()
		if cart, err = r.LockCart(ctx, buyer, now); err != nil {
			return err
		}
		if err := cart.Set(sku, quantity, now); err != nil {
			return err
		}
		return r.SaveCart(ctx, cart)
	})
	if err != nil {
		return CartView{}, err
	}
	return s.view(ctx, c, cart)
}

// ClearCart empties the caller's cart.
func (s *Service) ClearCart(ctx context.Context, c auth.Caller) (CartView, error) {
	buyer, err := owner(c)
	if err != nil {
		return CartView{}, err
	}
	var cart domain.Cart
	err = s.store.InTx(ctx, func(r Repository) error {
		now := s.clock()
		if cart, err = r.LockCart(ctx, buyer, now); err != nil {
			return err
		}
		cart.Lines, cart.UpdatedAt = nil, now
		return r.SaveCart(ctx, cart)
	})
	if err != nil {
		return CartView{}, err
	}
	return s.view(ctx, c, cart)
}

// ErrNoTierPrice refuses a merchant's SKU its supplier set no cost price
// for at the merchant's tier: a merchant buys at cost or not at all.
var ErrNoTierPrice = apperr.FailedPrecondition("the supplier sets no price for your merchant tier on this SKU").WithReason("NO_TIER_PRICE")

// skusFor reads SKUs as the caller buys them: a merchant's member at its
// tier's cost prices, anyone else at retail.
func (s *Service) skusFor(ctx context.Context, c auth.Caller, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	merchant, _ := c.MerchantOrg()
	return s.skusAt(ctx, ids, merchant)
}

// skusAt reads SKUs at the merchant's tier cost prices, or at retail for
// uuid.Nil.
func (s *Service) skusAt(ctx context.Context, ids []uuid.UUID, merchant uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	if merchant != uuid.Nil {
		return s.Catalog.MerchantSKUs(ctx, ids, merchant)
	}
	return s.Catalog.SKUs(ctx, ids)
}

// view looks the cart's SKUs up in the catalogue and inventory, priced as
// the caller buys them.
func (s *Service) view(ctx context.Context, c auth.Caller, cart domain.Cart) (CartView, error) {
	v := CartView{Cart: cart}
	if len(cart.Lines) == 0 {
		return v, nil
	}
	ids := make([]uuid.UUID, len(cart.Lines))
	for i, l := range cart.Lines {
		ids[i] = l.SKUID
	}
	skus, err := s.skusFor(ctx, c, ids)
	if err != nil {
		return v, err
	}
	available, err := s.Inventory.Available(ctx, ids)
	if err != nil {
		return v, err
	}
	totals := map[string]money.Money{}
	var currencies []string
	for _, l := range cart.Lines {
		lv := LineView{CartLine: l, Available: available[l.SKUID]}
		sku, ok := skus[l.SKUID]
		switch {
		case !ok:
			lv.Problem = "no longer in the catalogue"
		case !sku.OnSale:
			lv.SKU, lv.Problem = &sku, "not on sale"
		case sku.NoTierPrice:
			lv.SKU, lv.Problem = &sku, "no price for your merchant tier"
		default:
			lv.SKU = &sku
			if lv.Total, err = sku.Price.MulInt(int64(l.Quantity)); err != nil {
				return v, err
			}
			t, seen := totals[lv.Total.Currency]
			if !seen {
				currencies = append(currencies, lv.Total.Currency)
				t = money.Money{Currency: lv.Total.Currency}
			}
			if totals[lv.Total.Currency], err = t.Add(lv.Total); err != nil {
				return v, err
			}
			if lv.Available < int64(l.Quantity) {
				lv.Problem = "only " + strconv.FormatInt(lv.Available, 10) + " available"
			}
		}
		v.Lines = append(v.Lines, lv)
	}
	slices.Sort(currencies)
	for _, c := range currencies {
		v.Totals = append(v.Totals, totals[c])
	}
	return v, nil
}
