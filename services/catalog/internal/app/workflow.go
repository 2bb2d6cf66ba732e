package app

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// access says who may run a workflow step.
type access int

const (
	byOwner access = iota
	byReviewer
	byOwnerOrReviewer
	byTranslator
)

// step is one workflow step on a locked product: it changes p, emits its
// events through r and returns the transitions to log.
type step func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error)

// change runs a step in one transaction: load and lock the product for a
// caller allowed to act on it, apply the step, then save the product, its
// history and what buyers see of it, together with the step's events.
func (s *Service) change(ctx context.Context, caller auth.Caller, id uuid.UUID, who access, fn step) (domain.Product, error) {
	switch {
	case who == byReviewer && !isReviewer(caller):
		return domain.Product{}, ErrReviewersOnly
	case who == byTranslator && !isTranslator(caller):
		return domain.Product{}, ErrTranslatorsOnly
	}
	owner := who == byOwner || (who == byOwnerOrReviewer && !isReviewer(caller))
	var org uuid.UUID
	if owner {
		var err error
		if org, err = supplierOf(caller); err != nil {
			return domain.Product{}, err
		}
	}
	var p domain.Product
	err := s.store.InTx(ctx, func(r Repository) error {
		var ts []domain.Transition
		var err error
		p, err = r.UpdateProduct(ctx, id, func(p *domain.Product) ([]outbox.Message, error) {
			if owner {
				if err := ownedBy(org, *p); err != nil {
					return nil, err
				}
			}
			ts, err = fn(r, p, s.stepTime(*p))
			return nil, err
		})
		if err != nil {
			return err
		}
		if err := r.AddTransitions(ctx, p.ID, ts...); err != nil {
			return err
		}
		return r.RefreshListing(ctx, p)
	})
	return p, err
}

// stepTime is when a step on p happens: now, but always after p's last
// change. Consumers order a product's events by their time (inventory
// applies a bin event only if newer than the last), and two steps in quick
// succession may run on replicas whose clocks differ, or on one whose clock
// stepped back: the row lock orders them, and so must their times. Before,
// a restore stamped before the delete it followed was dropped by inventory,
// and the product stayed unreservable.
func (s *Service) stepTime(p domain.Product) time.Time {
	now := s.clock()
	if after := p.UpdatedAt.Add(time.Microsecond); now.Before(after) {
		return after
	}
	return now
}

// SubmitProduct sends the pending revision to review. The owner only.
func (s *Service) SubmitProduct(ctx context.Context, caller auth.Caller, id uuid.UUID) (domain.Product, error) {
	return s.change(ctx, caller, id, byOwner, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		t, err := p.Submit(caller.Subject, now)
		if err != nil {
			return nil, err
		}
		return one(t), r.Emit(ctx, SubjectProductSubmitted, &catalogv1.ProductSubmitted{
			ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), SubmittedBy: caller.Subject, OccurredAt: timestamppb.New(now),
		})
	})
}

// ApproveProduct approves the submitted revision; for a product with a live
// revision the approved one replaces it, announced as ProductUpdated, with a
// SkuPriceChanged for every live SKU whose retail price changed. New text,
// attributes or images leave the translations incomplete and drop the
// quality check (domain.Product.DescribedOtherwise). Reviewers. The
// decisions on a submitted revision take seen, its update time as the
// reviewer read it (zero: not checked; domain.Product.ReviewedAsSeen).
func (s *Service) ApproveProduct(ctx context.Context, caller auth.Caller, id uuid.UUID, seen time.Time) (domain.Product, error) {
	return s.change(ctx, caller, id, byReviewer, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		if err := p.ReviewedAsSeen(seen); err != nil {
			return nil, err
		}
		t, replaced, err := p.Approve(caller.Subject, now)
		if err != nil {
			return nil, err
		}
		at := timestamppb.New(now)
		if err := r.Emit(ctx, SubjectProductApproved, &catalogv1.ProductApproved{
			ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), ReviewerId: caller.Subject, OccurredAt: at,
		}); err != nil {
			return nil, err
		}
		if replaced == nil {
			return one(t), nil
		}
		for _, tr := range p.DescribedOtherwise(replaced.Content) {
			if err := r.SaveTranslation(ctx, p.ID, tr); err != nil {
				return nil, err
			}
		}
		for _, sku := range p.Live.Content.SKUs {
			before, ok := replaced.Content.SKU(sku.ID)
			if !ok || before.RetailPrice == sku.RetailPrice {
				continue
			}
			if err := r.Emit(ctx, SubjectSkuPriceChanged, &catalogv1.SkuPriceChanged{
				SkuId: sku.ID.String(), ProductId: p.ID.String(),
				PreviousPrice: moneyProto(before.RetailPrice), Price: moneyProto(sku.RetailPrice), OccurredAt: at,
			}); err != nil {
				return nil, err
			}
		}
		return one(t), r.Emit(ctx, SubjectProductUpdated, productUpdated(p, at))
	})
}

// RejectProduct refuses the submitted revision with a reason. Reviewers.
func (s *Service) RejectProduct(ctx context.Context, caller auth.Caller, id uuid.UUID, reason string, seen time.Time) (domain.Product, error) {
	return s.change(ctx, caller, id, byReviewer, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		if err := p.ReviewedAsSeen(seen); err != nil {
			return nil, err
		}
		t, err := p.Reject(caller.Subject, reason, now)
		if err != nil {
			return nil, err
		}
		return one(t), r.Emit(ctx, SubjectProductRejected, &catalogv1.ProductRejected{
			ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), ReviewerId: caller.Subject,
			Reason: t.Reason, OccurredAt: timestamppb.New(now),
		})
	})
}

// RequestChanges sends the submitted revision back to the supplier with a
// reason. Reviewers. The contract has no event for it: the supplier sees it
// on the product and in its history.
func (s *Service) RequestChanges(ctx context.Context, caller auth.Caller, id uuid.UUID, reason string, seen time.Time) (domain.Product, error) {
	return s.change(ctx, caller, id, byReviewer, func(_ Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		if err := p.ReviewedAsSeen(seen); err != nil {
			return nil, err
		}
		t, err := p.RequestChanges(caller.Subject, reason, now)
		return one(t), err
	})
}

// RecordQualityCheck records a quality-check result. Reviewers. It is
// announced as ProductUpdated: partners that require a passed check list a
// product only once it passed, so docking must look at the product again
// (push it after a pass, withdraw it after a failure) whatever else changed.
func (s *Service) RecordQualityCheck(ctx context.Context, caller auth.Caller, id uuid.UUID, passed bool, notes string) (domain.Product, error) {
	return s.change(ctx, caller, id, byReviewer, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		t, err := p.RecordQualityCheck(passed, notes, caller.Subject, now)
		if err != nil {
			return nil, err
		}
		return one(t), r.Emit(ctx, SubjectProductUpdated, productUpdated(p, timestamppb.New(now)))
	})
}

// ListProduct puts an approved product on sale. The owner only.
func (s *Service) ListProduct(ctx context.Context, caller auth.Caller, id uuid.UUID) (domain.Product, error) {
	return s.change(ctx, caller, id, byOwner, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		t, err := p.List(caller.Subject, now)
		if err != nil {
			return nil, err
		}
		return one(t), r.Emit(ctx, SubjectProductListed, &catalogv1.ProductListed{
			ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), OccurredAt: timestamppb.New(now),
		})
	})
}

// DelistProduct takes a listed product off sale. The owner, or a reviewer:
// a reviewer's takedown needs a reason, holds (the owner cannot list the
// product again until a reviewer approves a revision of it submitted
// since: one waiting for review is sent back) and reaches a product in
// the bin too, which a restore would otherwise put back on sale.
func (s *Service) DelistProduct(ctx context.Context, caller auth.Caller, id uuid.UUID, reason string) (domain.Product, error) {
	return s.change(ctx, caller, id, byOwnerOrReviewer, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		var ts []domain.Transition
		var err error
		if isReviewer(caller) {
			ts, err = p.TakeDown(caller.Subject, reason, now)
		} else {
			var t domain.Transition
			t, err = p.Delist(caller.Subject, reason, now)
			ts = one(t)
		}
		if err != nil {
			return nil, err
		}
		return ts, r.Emit(ctx, SubjectProductDelisted, &catalogv1.ProductDelisted{
			ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), OccurredAt: timestamppb.New(now),
		})
	})
}

// DeleteProduct moves a product to the bin. The owner only.
func (s *Service) DeleteProduct(ctx context.Context, caller auth.Caller, id uuid.UUID) (domain.Product, error) {
	return s.change(ctx, caller, id, byOwner, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		t, err := p.Delete(caller.Subject, now)
		if err != nil {
			return nil, err
		}
		skus, err := skuIDs(ctx, r, p.ID)
		if err != nil {
			return nil, err
		}
		return one(t), r.Emit(ctx, SubjectProductDeleted, &catalogv1.ProductDeleted{
			ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), DeletedBy: caller.Subject,
			OccurredAt: timestamppb.New(now), SkuIds: skus,
		})
	})
}

// RestoreProduct takes a product out of the bin, in the status it had. The
// owner only.
func (s *Service) RestoreProduct(ctx context.Context, caller auth.Caller, id uuid.UUID) (domain.Product, error) {
	return s.change(ctx, caller, id, byOwner, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		t, err := p.Restore(caller.Subject, now)
		if err != nil {
			return nil, err
		}
		skus, err := skuIDs(ctx, r, p.ID)
		if err != nil {
			return nil, err
		}
		return one(t), r.Emit(ctx, SubjectProductRestored, &catalogv1.ProductRestored{
			ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), RestoredBy: caller.Subject,
			OccurredAt: timestamppb.New(now), SkuIds: skus,
		})
	})
}

// UpsertTranslation sets a product's text in a locale. Translators. A
// complete translation is announced as ProductTranslated.
func (s *Service) UpsertTranslation(ctx context.Context, caller auth.Caller, id uuid.UUID, in domain.TranslationInput) (domain.Translation, error) {
	var saved domain.Translation
	_, err := s.change(ctx, caller, id, byTranslator, func(r Repository, p *domain.Product, now time.Time) ([]domain.Transition, error) {
		model, err := r.GetProductModel(ctx, p.ModelID)
		if err != nil {
			return nil, err
		}
		tr, t, err := p.Translate(in, model, caller.Subject, now)
		if err != nil {
			return nil, err
		}
		saved = tr
		if err := r.SaveTranslation(ctx, p.ID, tr); err != nil {
			return nil, err
		}
		if !tr.Complete {
			return one(t), nil
		}
		return one(t), r.Emit(ctx, SubjectProductTranslated, &catalogv1.ProductTranslated{
			ProductId: p.ID.String(), Locale: tr.Locale, TranslatorId: caller.Subject, OccurredAt: timestamppb.New(now),
		})
	})
	return saved, err
}

func one(t domain.Transition) []domain.Transition { return []domain.Transition{t} }

// skuIDs lists every SKU of a product, sorted, for the bin's events.
func skuIDs(ctx context.Context, r SKUs, productID uuid.UUID) ([]string, error) {
	skus, err := r.ProductSKUs(ctx, productID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(skus))
	for _, id := range skus {
		out = append(out, id.String())
	}
	slices.Sort(out)
	return out, nil
}

// productUpdated is the ProductUpdated event of p: its details changed,
// and consumers that copy them fetch the product again.
func productUpdated(p *domain.Product, at *timestamppb.Timestamp) *catalogv1.ProductUpdated {
	return &catalogv1.ProductUpdated{ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), OccurredAt: at}
}
