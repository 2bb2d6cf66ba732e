package supplysim

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// Config is the platform and its faults.
type Config struct {
	// Accounts are the buyer accounts by account id, each with its API key.
	Accounts map[string]string
	// Currency is the ISO 4217 code of every price (default CNY).
	Currency string
	// ShipAfter ships a placed order this long after it was placed (zero:
	// only when the back office ships it).
	ShipAfter time.Duration
	// Carrier is the carrier code of its shipments (default "YTO").
	Carrier string
	// Faults, shares from 0 to 1 of the API's calls.
	Faults Faults
	// Now is the clock (nil: time.Now); Seed seeds the fault draws.
	Now  func() time.Time
	Seed uint64
	// RunNumber, six digits, is put in every order number and waybill the
	// platform issues: a real platform never issues one twice, and one
	// restarted beside a buyer that kept its records must not either.
	// Empty: a random one per process.
	RunNumber string
}

// Faults are the failures injected into API calls.
type Faults struct {
	// ServerError answers 503 before doing anything.
	ServerError float64
	// RateLimit answers 429 with Retry-After before doing anything.
	RateLimit  float64
	RetryAfter time.Duration
	// LostAnswer does the call's work, then answers 503 as if the answer
	// were lost on the way: the caller cannot tell it from ServerError.
	LostAnswer float64
}

// SKU is one saleable variant: the platform's code, its price in the
// platform's currency (a decimal string, as the platform writes it), its
// weight, packed dimensions and stock.
type SKU struct {
	Code      string            `json:"sku"`
	Price     string            `json:"price"`
	WeightG   int64             `json:"weight_g"`
	Package   Package           `json:"package_mm"`
	Stock     int64             `json:"stock"`
	Specs     map[string]string `json:"specs,omitempty"`
	UpdatedAt time.Time         `json:"-"`
}

// Package is a SKU's packed size in millimetres, as carriers measure it.
type Package struct {
	Length int64 `json:"length"`
	Width  int64 `json:"width"`
	Height int64 `json:"height"`
}

// Product is a catalogue entry with its SKUs.
type Product struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Images      []string  `json:"images,omitempty"`
	Currency    string    `json:"currency"`
	SKUs        []SKU     `json:"skus"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Line is a purchase order line.
type Line struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// Order statuses.
const (
	StatusPlaced    = "placed"
	StatusShipped   = "shipped"
	StatusCancelled = "cancelled"
)

// Order is a purchase order placed by one account.
type Order struct {
	ID          string     `json:"id"`
	Reference   string     `json:"reference"`
	AccountID   string     `json:"account_id"`
	Status      string     `json:"status"`
	Lines       []Line     `json:"lines"`
	Currency    string     `json:"currency"`
	Total       string     `json:"total"`
	CarrierCode string     `json:"carrier_code,omitempty"`
	Waybill     string     `json:"waybill,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	ShippedAt   *time.Time `json:"shipped_at,omitempty"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
}

// Errors of the platform's rules, answered as 4xx.
var (
	ErrUnknownSKU       = errors.New("unknown sku")
	ErrOutOfStock       = errors.New("not enough stock")
	ErrReferenceReused  = errors.New("the reference was used for other lines")
	ErrReferenceAccount = errors.New("the reference belongs to another account")
	ErrBadLines         = errors.New("an order needs lines with positive quantities")
	ErrNoOrder          = errors.New("no such order")
	ErrShipped          = errors.New("the order has shipped; it can no longer be cancelled")
)

// Platform is the supply platform's state.
type Platform struct {
	cfg  Config
	mu   sync.Mutex
	rnd  *rand.Rand
	seq  int
	prod map[string]*Product
	// sku maps a SKU code to its product id.
	sku    map[string]string
	orders map[string]*Order
	byRef  map[string]*Order
	// calls counts successful placements by account (repeats excluded).
	placed map[string]int
	// places is the currency's decimals, which its prices are written with.
	places int
}

// New returns an empty platform.
func New(cfg Config) *Platform {
	if cfg.Currency == "" {
		cfg.Currency = "CNY"
	}
	if cfg.Carrier == "" {
		cfg.Carrier = "YTO"
	}
	if cfg.RunNumber == "" {
		var b [4]byte
		_, _ = crand.Read(b[:])
		cfg.RunNumber = fmt.Sprintf("%06d", binary.BigEndian.Uint32(b[:])%1_000_000)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Faults.RetryAfter <= 0 {
		cfg.Faults.RetryAfter = time.Second
	}
	// The platform's own copy: SetAccountKey changes it under the lock.
	cfg.Accounts = maps.Clone(cfg.Accounts)
	if cfg.Accounts == nil {
		cfg.Accounts = map[string]string{}
	}
	places, err := money.Exponent(cfg.Currency)
	if err != nil {
		places = 2 // the command refuses an unknown currency at start
	}
	return &Platform{cfg: cfg, rnd: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)),
		prod: map[string]*Product{}, sku: map[string]string{}, orders: map[string]*Order{}, byRef: map[string]*Order{}, placed: map[string]int{},
		places: places}
}

func (p *Platform) now() time.Time { return p.cfg.Now().UTC() }

// SetAccountKey opens an account with key, or gives an account a new key
// (the back office rotating it): from then on only key calls as the
// account, and the account's orders stay its own.
func (p *Platform) SetAccountKey(account, key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg.Accounts[account] = key
}

// PutProduct creates or replaces a product (the back office); its update
// time is now, so an import picks it up again. SKUs' codes must be unique
// across the platform.
func (p *Platform) PutProduct(in Product) (Product, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in.ID == "" || in.Title == "" || len(in.SKUs) == 0 {
		return Product{}, errors.New("a product needs an id, a title and SKUs")
	}
	for _, s := range in.SKUs {
		if owner, ok := p.sku[s.Code]; s.Code == "" || (ok && owner != in.ID) {
			return Product{}, errors.New("SKU code " + strconv.Quote(s.Code) + " is empty or belongs to another product")
		}
		if _, err := parseMinor(s.Price, p.places); err != nil || s.Stock < 0 {
			return Product{}, errors.New("SKU " + s.Code + ": the price must be a decimal with at most " + strconv.Itoa(p.places) +
				" places (" + p.cfg.Currency + ") and the stock not negative")
		}
	}
	now := p.now()
	in.Currency, in.UpdatedAt = p.cfg.Currency, now
	in.SKUs = append([]SKU(nil), in.SKUs...)
	if old, ok := p.prod[in.ID]; ok {
		// A SKU the new version drops is no longer the platform's: its
		// code is free, and the stock levels no longer list it.
		for _, s := range old.SKUs {
			delete(p.sku, s.Code)
		}
	}
	for i := range in.SKUs {
		in.SKUs[i].UpdatedAt = now
		p.sku[in.SKUs[i].Code] = in.ID
	}
	p.prod[in.ID] = &in
	out := in
	out.SKUs = slices.Clone(in.SKUs) // the stored SKUs change under the lock; the answer is read after it
	return out, nil
}

// SetStock sets a SKU's stock (the back office); stock changes do not move
// the product's update time: they are read through the stock levels.
func (p *Platform) SetStock(code string, stock int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.skuRef(code)
	if s == nil {
		return ErrUnknownSKU
	}
	s.Stock, s.UpdatedAt = stock, p.now()
	return nil
}

func (p *Platform) skuRef(code string) *SKU {
	pr, ok := p.prod[p.sku[code]]
	if !ok {
		return nil
	}
	for i := range pr.SKUs {
		if pr.SKUs[i].Code == code {
			return &pr.SKUs[i]
		}
	}
	return nil
}

// productsSince returns the products updated at or after since, after the
// cursor (update time, id), oldest first, at most limit.
func (p *Platform) productsSince(since time.Time, after cursor, limit int) ([]Product, bool) {
	var all []*Product
	for _, pr := range p.prod {
		if !pr.UpdatedAt.Before(since) && after.before(pr.UpdatedAt, pr.ID) {
			all = append(all, pr)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].UpdatedAt.Equal(all[j].UpdatedAt) {
			return all[i].UpdatedAt.Before(all[j].UpdatedAt)
		}
		return all[i].ID < all[j].ID
	})
	more := len(all) > limit
	if more {
		all = all[:limit]
	}
	out := make([]Product, len(all))
	for i, pr := range all {
		out[i] = *pr
		out[i].SKUs = append([]SKU(nil), pr.SKUs...)
	}
	return out, more
}

// place places a purchase order for account, once per reference.
func (p *Platform) place(account, ref string, lines []Line) (Order, bool, error) {
	if o, ok := p.byRef[ref]; ok {
		switch {
		case o.AccountID != account:
			return Order{}, false, ErrReferenceAccount
		case !sameLines(o.Lines, lines):
			return Order{}, false, ErrReferenceReused
		}
		return p.view(o), false, nil
	}
	if len(lines) == 0 {
		return Order{}, false, ErrBadLines
	}
	var total int64
	wanted := map[string]int64{} // by SKU: lines may repeat one
	for _, l := range lines {
		s := p.skuRef(l.SKU)
		wanted[l.SKU] += l.Quantity
		switch {
		case l.Quantity <= 0:
			return Order{}, false, ErrBadLines
		case s == nil:
			return Order{}, false, ErrUnknownSKU
		case s.Stock < wanted[l.SKU]:
			return Order{}, false, ErrOutOfStock
		}
		price, _ := parseMinor(s.Price, p.places)
		total += price * l.Quantity
	}
	for _, l := range lines {
		s := p.skuRef(l.SKU)
		s.Stock -= l.Quantity // reserved for this order
		s.UpdatedAt = p.now()
	}
	p.seq++
	o := &Order{ID: fmt.Sprintf("PO%s%06d", p.cfg.RunNumber, p.seq), Reference: ref, AccountID: account, Status: StatusPlaced,
		Lines: append([]Line(nil), lines...), Currency: p.cfg.Currency, Total: formatMinor(total, p.places), CreatedAt: p.now()}
	p.orders[o.ID], p.byRef[ref] = o, o
	p.placed[account]++
	return p.view(o), true, nil
}

// view is an order as it reads now: shipped once ShipAfter passed.
func (p *Platform) view(o *Order) Order {
	if o.Status == StatusPlaced && p.cfg.ShipAfter > 0 && !p.now().Before(o.CreatedAt.Add(p.cfg.ShipAfter)) {
		p.ship(o, o.CreatedAt.Add(p.cfg.ShipAfter))
	}
	out := *o
	out.Lines = append([]Line(nil), o.Lines...)
	return out
}

func (p *Platform) ship(o *Order, at time.Time) {
	// The waybill is the carrier's and the order number's digits.
	o.Status, o.CarrierCode, o.Waybill, o.ShippedAt = StatusShipped, p.cfg.Carrier, p.cfg.Carrier+"7"+o.ID[2:], &at
}

// cancel cancels account's order before it ships and gives its stock
// back; cancelling it again answers it as it is.
func (p *Platform) cancel(account, id string) (Order, error) {
	o, ok := p.orders[id]
	if !ok || o.AccountID != account {
		return Order{}, ErrNoOrder
	}
	if cur := p.view(o); cur.Status == StatusShipped {
		return cur, ErrShipped
	}
	if o.Status == StatusPlaced {
		now := p.now()
		o.Status, o.CancelledAt = StatusCancelled, &now
		for _, l := range o.Lines {
			if s := p.skuRef(l.SKU); s != nil {
				s.Stock += l.Quantity
				s.UpdatedAt = now
			}
		}
	}
	return p.view(o), nil
}

// Ship ships an order now (the back office); shipping it again changes
// nothing.
func (p *Platform) Ship(id string) (Order, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.orders[id]
	if !ok {
		return Order{}, ErrNoOrder
	}
	if o.Status == StatusPlaced {
		p.ship(o, p.now())
	}
	return p.view(o), nil
}

// CancelInBackOffice cancels an order before it ships, as the platform's
// staff do (an item it can no longer supply), whichever account placed it;
// one shipped is ErrShipped, one cancelled answers as it is.
func (p *Platform) CancelInBackOffice(id string) (Order, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.orders[id]
	if !ok {
		return Order{}, ErrNoOrder
	}
	return p.cancel(o.AccountID, id)
}

// Orders returns every order, by id (the back office).
func (p *Platform) Orders() []Order {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Order, 0, len(p.orders))
	for _, o := range p.orders {
		out = append(out, p.view(o))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// OrderByReference returns the order placed for a reference (the back
// office).
func (p *Platform) OrderByReference(ref string) (Order, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.byRef[ref]
	if !ok {
		return Order{}, false
	}
	return p.view(o), true
}

// Stock returns a SKU's stock (the back office).
func (p *Platform) Stock(code string) (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.skuRef(code)
	if s == nil {
		return 0, false
	}
	return s.Stock, true
}

func sameLines(a, b []Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
