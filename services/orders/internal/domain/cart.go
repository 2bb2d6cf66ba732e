package domain

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Limits of a cart: enough for any real basket, small enough that a
// checkout resolves it in one call to the catalog.
const (
	MaxCartLines    = 100
	MaxLineQuantity = 9999
)

// CartLine is a SKU and how many of it the buyer wants.
type CartLine struct {
	SKUID    uuid.UUID
	Quantity int32
	AddedAt  time.Time
}

// Cart is a buyer's cart. It lives in the orders database, so it survives
// signing out and is the same on every device.
type Cart struct {
	BuyerID   string
	Lines     []CartLine
	UpdatedAt time.Time
}

// CheckCartLine checks a cart line as sent, before anything is looked up:
// a bad SKU id or quantity is the caller's mistake, whatever the SKU.
func CheckCartLine(sku uuid.UUID, quantity int32) error {
	if sku == uuid.Nil {
		return apperr.InvalidField("sku_id", "is required")
	}
	if quantity < 0 || quantity > MaxLineQuantity {
		return apperr.InvalidField("quantity", "must be between 0 (remove) and "+strconv.Itoa(MaxLineQuantity))
	}
	return nil
}

// Set puts quantity of a SKU in the cart: it adds a line, changes one, or
// with quantity 0 removes it.
func (c *Cart) Set(sku uuid.UUID, quantity int32, at time.Time) error {
	if err := CheckCartLine(sku, quantity); err != nil {
		return err
	}
	for i, l := range c.Lines {
		if l.SKUID != sku {
			continue
		}
		if quantity == 0 {
			c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
		} else {
			c.Lines[i].Quantity = quantity
		}
		c.UpdatedAt = at
		return nil
	}
	if quantity == 0 {
		return apperr.NotFound("cart line", sku.String())
	}
	if len(c.Lines) >= MaxCartLines {
		return apperr.FailedPrecondition("a cart holds at most " + strconv.Itoa(MaxCartLines) + " lines").WithReason("CART_FULL")
	}
	c.Lines = append(c.Lines, CartLine{SKUID: sku, Quantity: quantity, AddedAt: at})
	c.UpdatedAt = at
	return nil
}
