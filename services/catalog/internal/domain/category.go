package domain

import (
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// MaxCategoryDepth bounds the tree: deeper trees help nobody find anything.
const MaxCategoryDepth = 8

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Category is a node of the category tree. Path lists the ids from the root
// down to the category itself ("/<root>/<child>/"), so a category's
// descendants are the categories whose path starts with its path: one
// indexed prefix query, no recursion. Categories never move, so paths never
// change.
type Category struct {
	ID        uuid.UUID
	ParentID  uuid.UUID // uuid.Nil for a root
	Name      string
	Slug      string
	Path      string
	CreatedAt time.Time
}

// Depth is the number of categories from the root to this one, itself
// included.
func (c Category) Depth() int { return strings.Count(c.Path, "/") - 1 }

// CategoryInput is a category as a request describes it.
type CategoryInput struct {
	ParentID string
	Name     string
	Slug     string
}

// Parent parses the optional parent id (field "parent_id"); ok is false
// when it is not a UUID.
func (in CategoryInput) Parent() (id uuid.UUID, ok bool) {
	var v violations
	id = parseID(&v, "parent_id", in.ParentID, false)
	return id, len(v) == 0
}

// NewCategory validates a category (fields "parent_id", "name", "slug") under
// parent, which is nil for a root; the caller has looked the parent up.
func NewCategory(in CategoryInput, parent *Category, now time.Time) (Category, error) {
	var v violations
	parseID(&v, "parent_id", in.ParentID, false)
	name := apperr.CheckText(&v, "name", in.Name, 1, 100)
	slug := strings.TrimSpace(in.Slug)
	if len(slug) > 64 || !slugPattern.MatchString(slug) {
		v.Add("slug", "must be 1 to 64 lower-case letters and digits in words joined by dashes")
	}
	if parent != nil && parent.Depth() >= MaxCategoryDepth {
		v.Add("parent_id", "is at the deepest level a category may have")
	}
	if err := v.Err(); err != nil {
		return Category{}, err
	}
	c := Category{ID: uuid.Must(uuid.NewV7()), Name: name, Slug: slug, CreatedAt: now}
	c.Path = "/" + c.ID.String() + "/"
	if parent != nil {
		c.ParentID = parent.ID
		c.Path = parent.Path + c.ID.String() + "/"
	}
	return c, nil
}
