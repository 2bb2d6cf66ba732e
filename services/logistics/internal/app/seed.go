package app

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// SeedCarrier is a carrier the service sets up at start, so a local mesh
// books with its simulator without an operator first registering it.
type SeedCarrier struct {
	Code, Name, URL, APIKey, WebhookSecret string
}

// seedMethods are the seeded carrier's methods, one per mode, with speed
// profiles close to the simulator's.
var seedMethods = []domain.Method{
	{Code: "air", Name: "Air standard", Mode: domain.ModeAir, Speed: domain.Speed{HandlingHours: 24, DomesticKmPerDay: 600, InternationalKmPerDay: 9000, LastMileKmPerDay: 400}},
	{Code: "express", Name: "Express", Mode: domain.ModeExpress, Speed: domain.Speed{HandlingHours: 12, DomesticKmPerDay: 800, InternationalKmPerDay: 12000, LastMileKmPerDay: 500}},
	{Code: "sea", Name: "Sea economy", Mode: domain.ModeSea, Speed: domain.Speed{HandlingHours: 48, DomesticKmPerDay: 600, InternationalKmPerDay: 700, LastMileKmPerDay: 400}},
	{Code: "ground", Name: "Ground", Mode: domain.ModeGround, Speed: domain.Speed{HandlingHours: 24, DomesticKmPerDay: 600, InternationalKmPerDay: 900, LastMileKmPerDay: 400}},
}

// EnsureSeedCarrier creates the seed carrier and its methods unless a
// carrier with its code exists, and keeps its endpoint for the service's
// environment up to date (the local mesh makes new credentials each start).
func (s *Service) EnsureSeedCarrier(ctx context.Context, seed SeedCarrier) error {
	ep := domain.Endpoint{Environment: s.cfg.Environment, APIURL: seed.URL, APIKey: seed.APIKey, WebhookSecret: seed.WebhookSecret}
	return s.store.InTx(ctx, func(r Repository) error {
		now := s.clock()
		car, err := r.GetCarrierByCode(ctx, seed.Code)
		if err == nil {
			car.MergeEndpoints([]domain.Endpoint{ep}, now)
			car.UpdatedAt = now
			if err := car.Validate(); err != nil {
				return err
			}
			return r.SaveCarrier(ctx, car)
		}
		if !apperr.IsKind(err, apperr.KindNotFound) {
			return err
		}
		car = domain.Carrier{ID: uuid.New(), Code: seed.Code, Name: seed.Name, Endpoints: []domain.Endpoint{ep}, Active: true, CreatedAt: now, UpdatedAt: now}
		if err := car.Validate(); err != nil {
			return errors.Join(errors.New("the seed carrier's settings"), err)
		}
		if err := r.CreateCarrier(ctx, car); err != nil {
			return err
		}
		for _, m := range seedMethods {
			m.ID, m.CarrierID, m.Active, m.CreatedAt, m.UpdatedAt = uuid.New(), car.ID, true, now, now
			if err := r.CreateMethod(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}
