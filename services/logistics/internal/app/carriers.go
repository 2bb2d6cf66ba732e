package app

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// CreateCarrier adds a carrier (admins).
func (s *Service) CreateCarrier(ctx context.Context, c auth.Caller, code, name string, endpoints []domain.Endpoint) (domain.Carrier, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Carrier{}, err
	}
	now := s.clock()
	car := domain.Carrier{ID: uuid.New(), Code: code, Name: name, Endpoints: endpoints, Active: true, CreatedAt: now, UpdatedAt: now}
	if err := car.Validate(); err != nil {
		return domain.Carrier{}, err
	}
	return car, s.store.CreateCarrier(ctx, car)
}

// CarrierUpdate is a change to a carrier; zero fields keep their value.
type CarrierUpdate struct {
	Name      string
	Endpoints []domain.Endpoint
	Active    *bool
}

// UpdateCarrier changes a carrier (admins).
func (s *Service) UpdateCarrier(ctx context.Context, c auth.Caller, id uuid.UUID, u CarrierUpdate) (domain.Carrier, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Carrier{}, err
	}
	var out domain.Carrier
	err := s.store.InTx(ctx, func(r Repository) error {
		// Locked: two admins' updates at once (a secret rotated, the
		// carrier renamed) must not write back what the other changed.
		car, err := r.LockCarrier(ctx, id)
		if err != nil {
			return err
		}
		if u.Name != "" {
			car.Name = u.Name
		}
		now := s.clock()
		car.MergeEndpoints(u.Endpoints, now)
		if u.Active != nil {
			car.Active = *u.Active
		}
		car.UpdatedAt = now
		if err := car.Validate(); err != nil {
			return err
		}
		out = car
		return r.SaveCarrier(ctx, car)
	})
	return out, err
}

// GetCarrier returns a carrier (admins).
func (s *Service) GetCarrier(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Carrier, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Carrier{}, err
	}
	return s.store.GetCarrier(ctx, id)
}

// ListCarriers lists every carrier (admins).
func (s *Service) ListCarriers(ctx context.Context, c auth.Caller) ([]domain.Carrier, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	return s.store.ListCarriers(ctx)
}

// CreateMethod adds a shipping method to a carrier (admins).
func (s *Service) CreateMethod(ctx context.Context, c auth.Caller, m domain.Method) (domain.Method, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Method{}, err
	}
	now := s.clock()
	m.ID, m.Active, m.CreatedAt, m.UpdatedAt = uuid.New(), true, now, now
	if err := m.Validate(); err != nil {
		return domain.Method{}, err
	}
	if _, err := s.store.GetCarrier(ctx, m.CarrierID); err != nil {
		return domain.Method{}, err
	}
	return m, s.store.CreateMethod(ctx, m)
}

// MethodUpdate is a change to a method; nil fields keep their value.
type MethodUpdate struct {
	Name   string
	Speed  *domain.Speed
	Zones  *[]string
	Active *bool
}

// UpdateMethod changes a shipping method (admins).
func (s *Service) UpdateMethod(ctx context.Context, c auth.Caller, id uuid.UUID, u MethodUpdate) (domain.Method, error) {
	if err := requireAdmin(c); err != nil {
		return domain.Method{}, err
	}
	var out domain.Method
	err := s.store.InTx(ctx, func(r Repository) error {
		m, err := r.LockMethod(ctx, id) // another admin's change is read, not written over
		if err != nil {
			return err
		}
		if u.Name != "" {
			m.Name = u.Name
		}
		if u.Speed != nil {
			m.Speed = *u.Speed
		}
		if u.Zones != nil {
			m.Zones = *u.Zones
		}
		if u.Active != nil {
			m.Active = *u.Active
		}
		m.UpdatedAt = s.clock()
		if err := m.Validate(); err != nil {
			return err
		}
		out = m
		return r.SaveMethod(ctx, m)
	})
	s.methods.forget(id)
	return out, err
}

// ListMethods lists shipping methods, only those serving destination when
// it is set; inactive ones only for admins who ask.
func (s *Service) ListMethods(ctx context.Context, c auth.Caller, destination string, includeInactive bool) ([]domain.Method, error) {
	if includeInactive && !c.IsAdmin() {
		return nil, ErrAdminsOnly
	}
	ms, err := s.store.ListMethods(ctx, includeInactive)
	if err != nil {
		return nil, err
	}
	if destination != "" {
		ms = slices.DeleteFunc(ms, func(m domain.Method) bool { return !m.Serves(destination) })
	}
	return ms, nil
}
