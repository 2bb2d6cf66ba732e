package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Brand is a product brand; names are unique regardless of case.
type Brand struct {
	ID        uuid.UUID
	Name      string
	CreatedAt time.Time
}

// MaxBrandName is the longest brand name, in characters.
const MaxBrandName = 100

// NewBrand validates a brand name (field "name").
func NewBrand(name string, now time.Time) (Brand, error) {
	var v violations
	name = apperr.CheckText(&v, "name", name, 1, MaxBrandName)
	if err := v.Err(); err != nil {
		return Brand{}, err
	}
	return Brand{ID: uuid.Must(uuid.NewV7()), Name: name, CreatedAt: now}, nil
}
