package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// SupplyProduct is a product as a supply platform lists it.
type SupplyProduct struct {
	ID          string
	Title       string
	Description string
	Images      []string
	Currency    string
	SKUs        []SupplySKU
	UpdatedAt   time.Time
}

// SupplySKU is one of its SKUs: the platform's code, its price as the
// platform writes it (a decimal in major units), weight, packed size
// (length, width, height in millimetres) and stock.
type SupplySKU struct {
	Code      string
	Price     string
	WeightG   int64
	PackageMM [3]int64
	Stock     int64
	Specs     map[string]string
}

// ImportedProduct is a supply product as the catalogue is given it.
type ImportedProduct struct {
	Title       string
	Description string
	Images      []string
	SKUs        []ImportedSKU
	// Fingerprint changes when anything the catalogue holds changes (not
	// the stock, which flows through inventory).
	Fingerprint string
}

// ImportedSKU keeps the platform's SKU code as the supplier's code.
type ImportedSKU struct {
	Code      string
	Specs     map[string]string
	Price     money.Money
	WeightG   int64
	PackageMM [3]int64
}

// ErrNotImportable is a supply product the catalogue could not take as it
// is: it is skipped with the reason, and looked at again when it changes.
var ErrNotImportable = errors.New("the supply product cannot be imported")

// MapSupplyProduct maps a platform's product to the catalogue's terms:
// prices exactly in minor units of the platform's currency (never
// rounded), SKU codes kept as the supplier's codes.
func MapSupplyProduct(p SupplyProduct) (ImportedProduct, error) {
	bad := func(format string, args ...any) (ImportedProduct, error) {
		return ImportedProduct{}, fmt.Errorf("%w: product %s: %s", ErrNotImportable, p.ID, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(p.Title) == "" {
		return bad("no title")
	}
	if len(p.SKUs) == 0 {
		return bad("no SKUs")
	}
	out := ImportedProduct{Title: strings.TrimSpace(p.Title), Description: p.Description, Images: slices.Clone(p.Images)}
	seen := map[string]bool{}
	for _, s := range p.SKUs {
		if s.Code == "" || seen[s.Code] {
			return bad("SKU code %q is empty or repeated", s.Code)
		}
		seen[s.Code] = true
		price, err := ParseSupplyPrice(s.Price, p.Currency)
		if err != nil {
			return bad("SKU %s: %v", s.Code, err)
		}
		if s.WeightG <= 0 {
			return bad("SKU %s has no weight", s.Code)
		}
		if s.PackageMM[0] <= 0 || s.PackageMM[1] <= 0 || s.PackageMM[2] <= 0 {
			// Freight is estimated and booked by size too.
			return bad("SKU %s has no packed dimensions", s.Code)
		}
		out.SKUs = append(out.SKUs, ImportedSKU{Code: s.Code, Specs: s.Specs, Price: price, WeightG: s.WeightG, PackageMM: s.PackageMM})
	}
	slices.SortFunc(out.SKUs, func(a, b ImportedSKU) int { return strings.Compare(a.Code, b.Code) })
	b, _ := json.Marshal(out) // maps marshal with sorted keys: stable
	sum := sha256.Sum256(b)
	out.Fingerprint = hex.EncodeToString(sum[:])
	return out, nil
}

// ParseSupplyPrice reads a decimal in major units into minor units of
// currency, refusing more places than the currency has rather than round.
func ParseSupplyPrice(s, currency string) (money.Money, error) {
	exp, err := money.Exponent(currency)
	if err != nil {
		return money.Money{}, fmt.Errorf("currency %q: %w", currency, err)
	}
	whole, frac, dotted := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") || len(frac) > exp || (dotted && frac == "") {
		return money.Money{}, fmt.Errorf("price %q is not a positive amount of %s", s, currency)
	}
	n, err := strconv.ParseInt(whole+frac+strings.Repeat("0", exp-len(frac)), 10, 64)
	if err != nil || n <= 0 {
		return money.Money{}, fmt.Errorf("price %q is not a positive amount of %s", s, currency)
	}
	return money.New(n, currency)
}

// PaidLine is a sub-order line as orders paid it.
type PaidLine struct {
	SKUID    string
	Quantity int64
}

// PurchaseLine is a purchase order line in the platform's SKU codes.
type PurchaseLine struct {
	SKUCode  string
	Quantity int64
}

// ErrSKUNotImported is a paid line whose SKU docking did not import from
// the platform: the sub-order is held for an operator.
var ErrSKUNotImported = errors.New("a SKU of the sub-order was not imported from this supply platform")

// PurchaseLines maps a sub-order's lines to the platform's SKU codes
// (codes by SKU id), one line per code in code order, so a repeated
// placement sends exactly the same lines.
func PurchaseLines(lines []PaidLine, codes map[string]string) ([]PurchaseLine, error) {
	qty := map[string]int64{}
	for _, l := range lines {
		code, ok := codes[l.SKUID]
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrSKUNotImported, l.SKUID)
		}
		if l.Quantity <= 0 {
			return nil, fmt.Errorf("line of SKU %s has quantity %d", l.SKUID, l.Quantity)
		}
		qty[code] += l.Quantity
	}
	if len(qty) == 0 {
		return nil, errors.New("a sub-order without lines")
	}
	out := make([]PurchaseLine, 0, len(qty))
	for code, n := range qty {
		out = append(out, PurchaseLine{SKUCode: code, Quantity: n})
	}
	slices.SortFunc(out, func(a, b PurchaseLine) int { return strings.Compare(a.SKUCode, b.SKUCode) })
	return out, nil
}
