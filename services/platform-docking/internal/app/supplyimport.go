package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

var errInvalidERPKey = apperr.InvalidField("erp_private_key", "must be the base64 of a 32-byte Ed25519 seed, or PKCS#8 PEM")

// maxImportPages bounds one import run; the watermark keeps the rest for
// the next. A run whose products all share the watermark's moment goes on
// past it (see importCatalogue).
const maxImportPages = 50

// importCatalogue imports the products the platform changed since the
// watermark: new ones are created as the supplier's drafts and submitted
// to review, changed ones updated and submitted again, unchanged ones
// (only their stock moved) left alone, and changed ones whose previous
// revision waits for review deferred (settleUnderReview). The watermark
// moves to the last product stored, page by page, so a failure re-reads
// from there: a product read twice is recognised by its fingerprint.
func (s *Supply) importCatalogue(ctx context.Context, p domain.SupplyPlatform, st SupplyState) error {
	var since time.Time
	if st.ImportWatermark != nil {
		since = *st.ImportWatermark
	}
	cursor := ""
	for pages := 1; ; pages++ {
		page, err := s.client.Products(ctx, p, since, cursor)
		if err != nil {
			return fmt.Errorf("read the catalogue: %w", err)
		}
		ids := make([]string, len(page.Products))
		for i, sp := range page.Products {
			ids[i] = sp.ID
		}
		known, err := s.store.SupplyProducts(ctx, p.ID, ids)
		if err != nil {
			return err
		}
		for _, sp := range page.Products {
			if err := s.importProduct(ctx, p, sp, known[sp.ID]); err != nil {
				return fmt.Errorf("product %s: %w", sp.ID, err)
			}
			if err := s.store.SaveImportWatermark(ctx, p.ID, sp.UpdatedAt, s.clock()); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return s.store.SaveImportWatermark(ctx, p.ID, lastOr(page.Products, since), s.clock())
		}
		// Bounded once the watermark has moved on. The next run starts
		// from the watermark without the platform's cursor, so stopping
		// while every product read shares the watermark's moment (a bulk
		// change stamped alike) would read the same pages again every run
		// and never reach the products after them.
		if pages >= maxImportPages && lastOr(page.Products, since).After(since) {
			return nil
		}
		cursor = page.Next
	}
}

func lastOr(ps []domain.SupplyProduct, since time.Time) time.Time {
	if len(ps) == 0 {
		return since
	}
	return ps[len(ps)-1].UpdatedAt
}

// importProduct brings one platform product into the catalogue. Content
// the catalogue already has, or that already waits for a review to end, is
// left alone.
func (s *Supply) importProduct(ctx context.Context, p domain.SupplyPlatform, sp domain.SupplyProduct, rec SupplyProductRecord) error {
	mapped, err := domain.MapSupplyProduct(sp)
	if errors.Is(err, domain.ErrNotImportable) {
		s.log.Warn("a supply product cannot be imported; it is looked at again when it changes", "platform", p.Code, "error", err)
		state := SupplySkipped
		if rec.State != "" {
			state = rec.State // an imported product keeps its state; the problem is shown
		}
		// Content deferred before is older than this version: dropped.
		return s.store.SaveSupplyProduct(ctx, SupplyProductRecord{PlatformID: p.ID, PlatformProductID: sp.ID, ProductID: rec.ProductID,
			Fingerprint: rec.Fingerprint, State: state, Problem: err.Error(), UpdatedAt: s.clock()}, nil)
	}
	if err != nil {
		return err
	}
	switch {
	case rec.Deferred != nil:
		if rec.Deferred.Fingerprint == mapped.Fingerprint {
			return nil
		}
		// Even back to the content recorded: the revision under review
		// may hold another (its submission's answer lost), so it is read
		// before the deferral is dropped.
	case rec.State != "" && rec.State != SupplySkipped && rec.Fingerprint == mapped.Fingerprint:
		return nil
	}
	if rec.PlatformProductID == "" {
		rec = SupplyProductRecord{PlatformID: p.ID, PlatformProductID: sp.ID}
	}
	return s.applyContent(ctx, p, rec, mapped)
}

// applyContent gives the catalogue a product's content: a new product is
// created as the supplier's draft, a known one updated, and either is
// submitted to review and recorded. A revision waiting for review cannot
// be edited; settleUnderReview records such a product instead of failing,
// and settleRefused one whose content the catalogue refused, so neither
// holds back anything else.
func (s *Supply) applyContent(ctx context.Context, p domain.SupplyPlatform, rec SupplyProductRecord, content domain.ImportedProduct) error {
	erp := SupplyERP{ClientID: p.ERPClientID, Key: p.ERPKey}
	var made CatalogImport
	var err error
	productID, state := rec.ProductID, SupplySubmitted
	if rec.State == "" || (rec.State == SupplySkipped && rec.ProductID == uuid.Nil) {
		made, err = s.catalog.CreateProduct(ctx, erp, p.Defaults, content)
		if apperr.IsKind(err, apperr.KindAlreadyExists) {
			// An earlier attempt created it and failed before recording it:
			// find it by a SKU code (unique within the supplier) and update.
			found, ok, ferr := s.catalog.FindProduct(ctx, erp, content.SKUs[0].Code)
			if ferr == nil && ok {
				ok, ferr = s.unclaimed(ctx, found, content)
			}
			if ferr != nil {
				return errors.Join(err, ferr)
			}
			if !ok {
				// One of its codes is another product's (the platform
				// moved a SKU between products, say): refused, as content
				// the catalogue refuses is, so it holds back none of the
				// platform's products after it.
				return s.settleRefused(ctx, p, rec, CatalogImport{}, content, err)
			}
			productID = found.ProductID
			made, err = s.catalog.UpdateProduct(ctx, erp, found.ProductID, p.Defaults, content)
		}
	} else {
		if rec.State == SupplyListed {
			state = SupplyListed // the live revision stays on sale while the new one is reviewed
		}
		made, err = s.catalog.UpdateProduct(ctx, erp, rec.ProductID, p.Defaults, content)
	}
	if isUnderReview(err) {
		return s.settleUnderReview(ctx, p, rec, productID, content)
	}
	if refusedContent(err) {
		return s.settleRefused(ctx, p, rec, CatalogImport{ProductID: productID}, content, err)
	}
	if err != nil {
		return err
	}
	err = s.catalog.SubmitProduct(ctx, erp, made.ProductID)
	if refusedContent(err) {
		return s.settleRefused(ctx, p, rec, made, content, err)
	}
	if err != nil {
		return err
	}
	rec.ProductID, rec.Fingerprint, rec.State, rec.Problem, rec.Deferred, rec.UpdatedAt = made.ProductID, content.Fingerprint, state, "", nil, s.clock()
	return s.store.SaveSupplyProduct(ctx, rec, made.SKUs)
}

// unclaimed reports whether found, the supplier's catalogue product
// holding a new supply product's first SKU code, is what an earlier
// attempt of that import created before failing to record it: no supply
// product is recorded with it, and it holds none of the supplier's codes
// but content's. Another product (one imported under a code the platform
// has since moved to this product, or one the supplier made by hand) is
// not overwritten with this one's content.
func (s *Supply) unclaimed(ctx context.Context, found CatalogImport, content domain.ImportedProduct) (bool, error) {
	codes := make(map[string]bool, len(content.SKUs))
	for _, sku := range content.SKUs {
		codes[sku.Code] = true
	}
	for code := range found.SKUs {
		if !codes[code] {
			return false, nil
		}
	}
	_, claimed, err := s.store.SupplyProductOf(ctx, found.ProductID)
	return !claimed, err
}

// approvalBatch is how many imports waiting for approval one round checks.
const approvalBatch = 100

// listApproved puts on sale the imported products operators approved
// since the last round, checking a batch of the imports waiting in turn.
func (s *Supply) listApproved(ctx context.Context, p domain.SupplyPlatform) error {
	recs, err := s.store.SubmittedSupplyProducts(ctx, p.ID, approvalBatch)
	if err != nil || len(recs) == 0 {
		return err
	}
	erp := SupplyERP{ClientID: p.ERPClientID, Key: p.ERPKey}
	var errs []error
	checked := make([]string, len(recs))
	for i, r := range recs {
		checked[i] = r.PlatformProductID
	}
	for _, r := range recs {
		approved, listed, err := s.catalog.ProductApproved(ctx, erp, r.ProductID)
		if err == nil && approved && !listed {
			err = s.catalog.ListProduct(ctx, erp, r.ProductID)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("list product %s: %w", r.ProductID, err))
			continue
		}
		if approved || listed {
			r.State, r.UpdatedAt = SupplyListed, s.clock()
			errs = append(errs, s.store.SaveSupplyProduct(ctx, r, nil))
		}
	}
	errs = append(errs, s.store.ApprovalChecked(ctx, p.ID, checked, s.clock()))
	return errors.Join(errs...)
}

// stockBatch is how many levels one SyncStock call carries.
const stockBatch = 200

// syncStock copies the platform's stock of every imported SKU into the
// supplier's warehouse as absolute levels; the platform reserves stock for
// our purchase orders itself, so its level is what is left to sell.
func (s *Supply) syncStock(ctx context.Context, p domain.SupplyPlatform) error {
	imported, err := s.store.ImportedSKUCodes(ctx, p.ID)
	if err != nil || len(imported) == 0 {
		return err
	}
	erp := SupplyERP{ClientID: p.ERPClientID, Key: p.ERPKey}
	now := s.clock()
	batch, n := map[string]int64{}, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n++
		id := "supply:" + p.ID.String() + ":" + strconv.FormatInt(now.UnixMicro(), 10) + ":" + strconv.Itoa(n)
		err := s.catalog.SyncStock(ctx, erp, id, p.Defaults.WarehouseID, batch)
		batch = map[string]int64{}
		return err
	}
	cursor := ""
	for {
		levels, next, err := s.client.Stock(ctx, p, cursor)
		if err != nil {
			return fmt.Errorf("read the stock: %w", err)
		}
		for code, level := range levels {
			if _, ok := imported[code]; ok {
				batch[code] = level
			}
			if len(batch) == stockBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if err := flush(); err != nil {
		return err
	}
	return s.store.SaveStockSync(ctx, p.ID, now)
}
