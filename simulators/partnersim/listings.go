package partnersim

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// The statuses of a listing, as ListingView.Status spells them.
const (
	ListingPending   = "pending"
	ListingLive      = "live"
	ListingRejected  = "rejected"
	ListingWithdrawn = "withdrawn"
)

// ListingInput is a listing as a seller pushes it: Crossdock's marker and
// original codes, the content in one locale, price and stock.
type ListingInput struct {
	Marker, ProductID, SKUID, SKUCode, SupplierID, Locale, Title, Description string
	Images                                                                    []string
	Attributes                                                                map[string]string
	Currency                                                                  string
	PriceMinor, Stock, WeightG                                                int64
}

// ListingView is a listing as the marketplace holds it. Upserts counts the
// UpsertListing calls for its marker, changing or not, so tests can tell
// an idempotent retry from a lost one.
type ListingView struct {
	ListingInput
	ListingID string
	Status    string
	Reasons   []string
	UpdatedAt time.Time
	Upserts   int
}

// listing is a listing and its review under way.
type listing struct {
	view ListingView
	// reviewAt is when a pending listing gets its verdict.
	reviewAt time.Time
}

// rejectionReasons are what the review says, in the partner's words.
var rejectionReasons = []string{
	"main image below 800x800 pixels",
	"title contains a restricted word",
	"category requires the attribute \"material\"",
	"price outside the category's allowed range",
}

// UpsertListing creates or replaces the listing with in's marker. The same
// listing again changes nothing. A change of anything but the stock (or a
// withdrawn listing pushed again) sends it back to review: it is pending
// for ReviewDelay, then live or rejected. A stock-only change keeps the
// status, as platforms sync stock without review (otherwise every sale
// would take a listing off sale for ReviewDelay).
func (m *Market) UpsertListing(in ListingInput) (ListingView, error) {
	if err := validateListing(in); err != nil {
		return ListingView{}, err
	}
	in.Images = slices.Clone(in.Images)
	in.Attributes = maps.Clone(in.Attributes)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	l, ok := m.listings[in.Marker]
	if !ok {
		l = &listing{view: ListingView{ListingID: m.nextID("lst")}}
		m.listings[in.Marker] = l
	}
	m.review(l, now)
	l.view.Upserts++
	switch {
	case ok && l.view.Status != ListingWithdrawn && contentKey(l.view.ListingInput) == contentKey(in):
		if l.view.Stock != in.Stock {
			l.view.Stock = in.Stock
			l.view.UpdatedAt = now
		}
	default:
		l.view.ListingInput = in
		l.view.Status, l.view.Reasons, l.view.UpdatedAt = ListingPending, nil, now
		l.reviewAt = now.Add(m.cfg.ReviewDelay)
	}
	return cloneView(l.view), nil
}

// validateListing refuses a listing no marketplace would take.
func validateListing(in ListingInput) error {
	switch {
	case in.Marker == "":
		return fmt.Errorf("%w: marker is required", ErrInvalid)
	case in.Title == "":
		return fmt.Errorf("%w: title is required", ErrInvalid)
	case in.Currency == "":
		return fmt.Errorf("%w: price currency is required", ErrInvalid)
	case in.PriceMinor <= 0:
		return fmt.Errorf("%w: price must be positive", ErrInvalid)
	case in.Stock < 0:
		return fmt.Errorf("%w: stock must not be negative", ErrInvalid)
	}
	return nil
}

// contentKey is everything the review looks at: the listing without its
// stock.
func contentKey(in ListingInput) string {
	in.Stock = 0
	b, _ := json.Marshal(in) // map keys are sorted: a stable key
	return string(b)
}

// review gives a pending listing its verdict once its time has come; the
// caller holds mu. The verdict depends only on the seed, the marker and the
// content, so the same listing pushed again is judged the same.
func (m *Market) review(l *listing, now time.Time) {
	if l.view.Status != ListingPending || now.Before(l.reviewAt) {
		return
	}
	l.view.UpdatedAt = l.reviewAt
	key := contentKey(l.view.ListingInput)
	if m.rand.hashed("review", key) < m.cfg.Faults.RejectListings {
		l.view.Status = ListingRejected
		l.view.Reasons = []string{rejectionReasons[int(m.rand.hashed("reason", key)*float64(len(rejectionReasons)))]}
		return
	}
	l.view.Status = ListingLive
}

// WithdrawListing takes the listing with marker off sale. An unknown marker
// answers the zero view and no error; a listing already withdrawn is
// answered as it is.
func (m *Market) WithdrawListing(marker string) ListingView {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.listings[marker]
	if !ok {
		return ListingView{}
	}
	if l.view.Status != ListingWithdrawn {
		l.view.Status, l.view.Reasons, l.view.UpdatedAt = ListingWithdrawn, nil, m.now()
	}
	return cloneView(l.view)
}

// Listings returns the listings with these markers, unknown ones left out,
// in the order asked; nil markers returns every listing, by marker.
func (m *Market) Listings(markers []string) []ListingView {
	m.mu.Lock()
	defer m.mu.Unlock()
	if markers == nil {
		markers = slices.Sorted(maps.Keys(m.listings))
	}
	now := m.now()
	views := []ListingView{}
	for _, marker := range markers {
		if l, ok := m.listings[marker]; ok {
			m.review(l, now)
			views = append(views, cloneView(l.view))
		}
	}
	return views
}

// cloneView copies a view's slices and map, so a caller cannot change the
// marketplace's state through it.
func cloneView(v ListingView) ListingView {
	v.Images = slices.Clone(v.Images)
	v.Attributes = maps.Clone(v.Attributes)
	v.Reasons = slices.Clone(v.Reasons)
	return v
}
