package grpcapi

import (
	"cmp"
	"context"
	"time"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
)

// Reserve reserves every line of an order or none (services).
func (s *Server) Reserve(ctx context.Context, req *inventoryv1.ReserveRequest) (*inventoryv1.ReserveResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in, err := reserveInput(req)
	if err != nil {
		return nil, err
	}
	res, err := s.svc.Reserve(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &inventoryv1.ReserveResponse{Reservation: reservationProto(res)}, nil
}

// ReserveMany reserves several orders' lines, each answered on its own
// (services).
func (s *Server) ReserveMany(ctx context.Context, req *inventoryv1.ReserveManyRequest) (*inventoryv1.ReserveManyResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	items, err := grpcerr.Batch(req.GetReservations(), "reservations", app.MaxReserveMany, reserveInput, func(ins []app.ReserveInput) ([]app.ReserveResult, error) {
		return s.svc.ReserveMany(ctx, c, ins)
	})
	if err != nil {
		return nil, err
	}
	out := &inventoryv1.ReserveManyResponse{Results: make([]*inventoryv1.ReserveResult, len(items))}
	for i, it := range items {
		err := cmp.Or(it.Err, it.Out.Err)
		out.Results[i] = &inventoryv1.ReserveResult{Problem: grpcerr.ProblemOf(err)}
		if err == nil {
			out.Results[i].Reservation = reservationProto(it.Out.Reservation)
		}
	}
	return out, nil
}

// reserveInput reads one reservation request.
func reserveInput(req *inventoryv1.ReserveRequest) (app.ReserveInput, error) {
	var p ids
	in := app.ReserveInput{OrderID: req.GetOrderId(), Lines: p.orderLines(req.GetLines())}
	if t := req.GetTtl(); t != nil {
		if t.CheckValid() != nil {
			return app.ReserveInput{}, apperr.InvalidField("ttl", "is not a valid duration")
		}
		in.TTL = t.AsDuration() // zero means the default; negative is refused by the use case
	}
	return in, p.err()
}

// Commit turns an order's reservation into a shipment (services).
func (s *Server) Commit(ctx context.Context, req *inventoryv1.CommitRequest) (*inventoryv1.CommitResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var shipped time.Time
	if req.GetShippedAt() != nil {
		if err := req.GetShippedAt().CheckValid(); err != nil {
			return nil, apperr.InvalidField("shipped_at", "must be a valid time")
		}
		shipped = req.GetShippedAt().AsTime()
	}
	res, err := s.svc.Commit(ctx, c, req.GetOrderId(), shipped)
	if err != nil {
		return nil, err
	}
	return &inventoryv1.CommitResponse{Reservation: reservationProto(res)}, nil
}

// Release cancels an order's reservation (services).
func (s *Server) Release(ctx context.Context, req *inventoryv1.ReleaseRequest) (*inventoryv1.ReleaseResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.svc.Release(ctx, c, req.GetOrderId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &inventoryv1.ReleaseResponse{Reservation: reservationProto(res)}, nil
}

// GetReservation returns an order's reservation (services and operators).
func (s *Server) GetReservation(ctx context.Context, req *inventoryv1.GetReservationRequest) (*inventoryv1.GetReservationResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.svc.GetReservation(ctx, c, req.GetOrderId())
	if err != nil {
		return nil, err
	}
	return &inventoryv1.GetReservationResponse{Reservation: reservationProto(res)}, nil
}
