package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// product builds a product through the workflow: steps is a sequence of
// actions applied in order from a fresh draft.
func product(t *testing.T, steps ...string) domain.Product {
	t.Helper()
	model := shirtModel()
	p, err := domain.NewProduct(validProduct(), &model, [16]byte{1}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if _, err := apply(&p, s); err != nil {
			t.Fatalf("setup step %s: %v", s, err)
		}
	}
	return p
}

func apply(p *domain.Product, action string) (domain.Transition, error) {
	at := now.Add(time.Minute)
	switch action {
	case "edit":
		c, err := domain.ValidateContent(validContent(), nil, domain.ProductPhysical)
		if err != nil {
			return domain.Transition{}, err
		}
		t, _, err := p.Edit(c, "supplier", at)
		return t, err
	case "submit":
		return p.Submit("supplier", at)
	case "approve":
		t, _, err := p.Approve("reviewer", at)
		return t, err
	case "reject":
		return p.Reject("reviewer", "blurry photos", at)
	case "request_changes":
		return p.RequestChanges("reviewer", "add a size chart", at)
	case "list":
		return p.List("supplier", at)
	case "delist":
		return p.Delist("supplier", "", at)
	case "delete":
		return p.Delete("supplier", at)
	case "restore":
		return p.Restore("supplier", at)
	case "quality_check":
		return p.RecordQualityCheck(true, "ok", "reviewer", at)
	}
	panic("unknown action " + action)
}

// The workflow state machine: every action from every interesting state,
// with the status it leads to or the error it refuses with.
func TestWorkflow(t *testing.T) {
	tests := []struct {
		name    string
		from    []string
		action  string
		status  domain.Status
		pending domain.RevisionStatus // "" for no pending revision
		err     error
	}{
		{"submit a draft", nil, "submit", domain.StatusSubmitted, domain.RevisionSubmitted, nil},
		{"approve a draft", nil, "approve", "", "", domain.ErrNotSubmitted},
		{"list a draft", nil, "list", "", "", domain.ErrNotListable},
		{"edit a draft in place", nil, "edit", domain.StatusDraft, domain.RevisionDraft, nil},
		{"submit twice", []string{"submit"}, "submit", "", "", domain.ErrNothingToSubmit},
		{"edit while in review", []string{"submit"}, "edit", "", "", domain.ErrUnderReview},
		{"request changes", []string{"submit"}, "request_changes", domain.StatusChangesRequested, domain.RevisionChangesRequested, nil},
		{"edit after changes requested", []string{"submit", "request_changes"}, "edit", domain.StatusChangesRequested, domain.RevisionChangesRequested, nil},
		{"resubmit after changes", []string{"submit", "request_changes", "edit"}, "submit", domain.StatusSubmitted, domain.RevisionSubmitted, nil},
		{"reject", []string{"submit"}, "reject", domain.StatusRejected, domain.RevisionRejected, nil},
		{"submit a rejected revision", []string{"submit", "reject"}, "submit", "", "", domain.ErrNothingToSubmit},
		{"edit after rejection starts over", []string{"submit", "reject"}, "edit", domain.StatusDraft, domain.RevisionDraft, nil},
		{"approve", []string{"submit"}, "approve", domain.StatusApproved, "", nil},
		{"list approved", []string{"submit", "approve"}, "list", domain.StatusListed, "", nil},
		{"delist approved", []string{"submit", "approve"}, "delist", "", "", domain.ErrNotListed},
		{"list twice", []string{"submit", "approve", "list"}, "list", "", "", domain.ErrNotListable},
		{"delist", []string{"submit", "approve", "list"}, "delist", domain.StatusDelisted, "", nil},
		{"relist", []string{"submit", "approve", "list", "delist"}, "list", domain.StatusListed, "", nil},
		{"edit listed keeps it listed", []string{"submit", "approve", "list"}, "edit", domain.StatusListed, domain.RevisionDraft, nil},
		{"submit edit of listed", []string{"submit", "approve", "list", "edit"}, "submit", domain.StatusListed, domain.RevisionSubmitted, nil},
		{"approve edit of listed", []string{"submit", "approve", "list", "edit", "submit"}, "approve", domain.StatusListed, "", nil},
		{"reject edit of listed", []string{"submit", "approve", "list", "edit", "submit"}, "reject", domain.StatusListed, domain.RevisionRejected, nil},
		{"delete keeps status", []string{"submit", "approve", "list"}, "delete", domain.StatusListed, "", nil},
		{"delete twice", []string{"delete"}, "delete", "", "", domain.ErrProductDeleted},
		{"submit in bin", []string{"delete"}, "submit", "", "", domain.ErrProductDeleted},
		{"approve in bin", []string{"submit", "delete"}, "approve", "", "", domain.ErrProductDeleted},
		{"list in bin", []string{"submit", "approve", "delete"}, "list", "", "", domain.ErrProductDeleted},
		{"edit in bin", []string{"delete"}, "edit", "", "", domain.ErrProductDeleted},
		{"restore", []string{"submit", "approve", "list", "delete"}, "restore", domain.StatusListed, "", nil},
		{"restore not deleted", nil, "restore", "", "", domain.ErrProductNotDeleted},
		{"quality check", []string{"submit"}, "quality_check", domain.StatusSubmitted, domain.RevisionSubmitted, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := product(t, tt.from...)
			before := p.Status
			tr, err := apply(&p, tt.action)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || apperr.KindOf(err) != apperr.KindFailedPrecondition {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				if p.Status != before {
					t.Errorf("a refused %s changed the status to %s", tt.action, p.Status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != tt.status {
				t.Errorf("status = %s, want %s", p.Status, tt.status)
			}
			var pending domain.RevisionStatus
			if p.Pending != nil {
				pending = p.Pending.Status
			}
			if pending != tt.pending {
				t.Errorf("pending revision = %q, want %q", pending, tt.pending)
			}
			if tt.action != "edit" && (tr.To != p.Status || tr.From != before || tr.Actor == "") {
				t.Errorf("transition = %+v (status %s → %s)", tr, before, p.Status)
			}
		})
	}
}

// Editing a listed product keeps the live revision until the new one is
// approved; the approval swaps it in and hands back the replaced one.
func TestApprovalSwapsTheLiveRevision(t *testing.T) {
	p := product(t, "submit", "approve", "list")
	live := p.Live
	if _, err := apply(&p, "edit"); err != nil {
		t.Fatal(err)
	}
	if p.Live != live || p.Pending.Number != 2 || p.LastRevision != 2 {
		t.Fatalf("after edit: live %d pending %d", p.Live.Number, p.Pending.Number)
	}
	if _, err := apply(&p, "submit"); err != nil {
		t.Fatal(err)
	}
	tr, replaced, err := p.Approve("reviewer", now)
	if err != nil {
		t.Fatal(err)
	}
	if replaced != live || p.Live.Number != 2 || p.Pending != nil || tr.Action != domain.ActionRevisionApproved || p.Status != domain.StatusListed {
		t.Errorf("after approval: live %d, replaced %v, transition %+v", p.Live.Number, replaced, tr)
	}
}

func TestReviewReasons(t *testing.T) {
	p := product(t, "submit")
	_, err := p.Reject("reviewer", "  ", now)
	if got := testkit.Fields(t, err); len(got) != 1 || got[0] != "reason" {
		t.Errorf("reject without reason: %v", got)
	}
	_, err = p.RequestChanges("reviewer", "", now)
	if got := testkit.Fields(t, err); len(got) != 1 || got[0] != "reason" {
		t.Errorf("changes without reason: %v", got)
	}
	if p.Status != domain.StatusSubmitted {
		t.Errorf("status after refused reviews = %s", p.Status)
	}
	tr, err := p.RequestChanges("reviewer", "add a size chart", now)
	if err != nil || tr.Reason != "add a size chart" || p.Pending.ReviewReason != "add a size chart" {
		t.Errorf("request changes = %+v, %v", tr, err)
	}
}

// A reviewer decides on the submitted revision as they read it: one sent
// back, edited and submitted again since keeps its number but not its
// update time, and the decision is refused until they read it again.
func TestReviewedAsSeen(t *testing.T) {
	p := product(t, "submit")
	read := p.Pending.UpdatedAt
	if err := p.ReviewedAsSeen(read); err != nil {
		t.Fatalf("the revision as read: %v", err)
	}
	if err := p.ReviewedAsSeen(time.Time{}); err != nil {
		t.Errorf("no time read given: %v", err)
	}
	number := p.Pending.Number
	if _, err := p.RequestChanges("other reviewer", "add a size chart", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := p.ReviewedAsSeen(read); !errors.Is(err, domain.ErrNotSubmitted) {
		t.Errorf("sent back: %v, want NOT_SUBMITTED", err)
	}
	c, err := domain.ValidateContent(validContent(), nil, domain.ProductPhysical)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Edit(c, "supplier", now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Submit("supplier", now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if p.Pending.Number != number {
		t.Fatalf("resubmitted as revision %d, was %d", p.Pending.Number, number)
	}
	if err := p.ReviewedAsSeen(read); !errors.Is(err, domain.ErrRevisionChanged) {
		t.Errorf("resubmitted since it was read: %v, want REVISION_CHANGED", err)
	}
	if err := p.ReviewedAsSeen(p.Pending.UpdatedAt.Add(300 * time.Nanosecond)); err != nil {
		t.Errorf("read again (as stored, to the microsecond): %v", err)
	}
}

func TestTranslations(t *testing.T) {
	model := shirtModel()
	p := product(t, "submit", "approve")
	labels := map[string]string{"size": "Größe", "colour": "Farbe", "material": "Material", "weight_class": "Gewichtsklasse"}
	tests := []struct {
		name     string
		in       domain.TranslationInput
		complete bool
		bad      []string
	}{
		{"complete", domain.TranslationInput{Locale: "de", Title: "Leinenhemd", Description: "Ein leichtes Hemd.", AttributeLabels: labels}, true, nil},
		{"no description", domain.TranslationInput{Locale: "fr", Title: "Chemise", AttributeLabels: labels}, false, nil},
		{"missing label", domain.TranslationInput{Locale: "es", Title: "Camisa", Description: "Ligera.", AttributeLabels: map[string]string{"size": "Talla"}}, false, nil},
		{"default locale", domain.TranslationInput{Locale: "en", Title: "Shirt"}, false, []string{"translation.locale"}},
		{"bad locale and unknown attribute", domain.TranslationInput{Locale: "??", AttributeLabels: map[string]string{"fabric": "Stoff"}}, false,
			[]string{"translation.attribute_labels.fabric", "translation.locale"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, _, err := p.Translate(tt.in, model, "translator", now)
			if got := testkit.Fields(t, err); len(got) != len(tt.bad) || (len(got) > 0 && got[0] != tt.bad[0]) {
				t.Fatalf("violations = %v, want %v", got, tt.bad)
			}
			if err == nil && tr.Complete != tt.complete {
				t.Errorf("complete = %v, want %v", tr.Complete, tt.complete)
			}
		})
	}
	// Buyers get complete translations only, by locale then bare language,
	// else the default.
	for locale, want := range map[string]string{"de": "Leinenhemd", "de-AT": "Leinenhemd", "fr": "Linen shirt", "es": "Linen shirt", "": "Linen shirt"} {
		if got := p.TextIn(locale); got.Title != want {
			t.Errorf("TextIn(%q) = %q, want %q", locale, got.Title, want)
		}
	}
	if got := p.TextIn("de"); got.Label("size") != "Größe" || got.Locale != "de" {
		t.Errorf("German text = %+v", got)
	}
	if got := p.TextIn("fr"); got.Label("size") != "size" || got.Locale != "en" {
		t.Errorf("fallback text = %+v", got)
	}
}

// An edit starts from the content its editor read: the pending revision's
// update time, or the live one's when none was pending. Another editor's
// save in between, or a draft started over the live content, refuses it.
func TestEditedAsSeen(t *testing.T) {
	c, err := domain.ValidateContent(validContent(), nil, domain.ProductPhysical)
	if err != nil {
		t.Fatal(err)
	}
	p := product(t)
	read := p.Pending.UpdatedAt
	if err := p.EditedAsSeen(read); err != nil {
		t.Fatalf("the draft as read: %v", err)
	}
	if err := p.EditedAsSeen(time.Time{}); err != nil {
		t.Errorf("no time read given: %v", err)
	}
	if _, _, err := p.Edit(c, "other editor", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := p.EditedAsSeen(read); !errors.Is(err, domain.ErrEditedSince) {
		t.Errorf("draft saved by another editor since: %v, want REVISION_CHANGED", err)
	}

	live := product(t, "submit", "approve")
	if live.Pending != nil || live.Live == nil {
		t.Fatalf("approved product: pending %v, live %v", live.Pending, live.Live)
	}
	read = live.Live.UpdatedAt
	if err := live.EditedAsSeen(read); err != nil {
		t.Fatalf("the live content as read: %v", err)
	}
	if _, _, err := live.Edit(c, "other editor", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := live.EditedAsSeen(read); !errors.Is(err, domain.ErrEditedSince) {
		t.Errorf("draft started by another editor over the live content: %v, want REVISION_CHANGED", err)
	}
	if err := live.EditedAsSeen(live.Pending.UpdatedAt); err != nil {
		t.Errorf("the new draft as read: %v", err)
	}
}
