package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// The brand list comes a page at a time, by name whatever the case, and a
// picker narrows it by what was typed: a prefix, whatever the case, taken
// literally (no wildcards). A page token belongs to its prefix. Before, the
// list returned every brand in one answer, however many there were.
func TestBrandsArePagedAndNarrowedByPrefix(t *testing.T) {
	f := newFixture(t) // it made "Sonic"
	for _, name := range []string{"sony", "Sonata", "Acme", "Zed", "SONAR", "Sox_y"} {
		if _, err := f.svc.CreateBrand(ctx, f.reviewer, name); err != nil {
			t.Fatal(err)
		}
	}
	list := func(prefix string, size int) [][]string {
		t.Helper()
		var pages [][]string
		token := ""
		for {
			page, err := f.svc.ListBrands(ctx, prefix, size, token)
			if err != nil {
				t.Fatalf("ListBrands(%q, %d): %v", prefix, size, err)
			}
			var names []string
			for _, b := range page.Brands {
				names = append(names, b.Name)
			}
			pages = append(pages, names)
			if token = page.NextPageToken; token == "" {
				return pages
			}
		}
	}
	for _, c := range []struct {
		prefix string
		size   int
		want   [][]string
	}{
		{"", 0, [][]string{{"Acme", "SONAR", "Sonata", "Sonic", "sony", "Sox_y", "Zed"}}},
		{"", 3, [][]string{{"Acme", "SONAR", "Sonata"}, {"Sonic", "sony", "Sox_y"}, {"Zed"}}},
		{"son", 2, [][]string{{"SONAR", "Sonata"}, {"Sonic", "sony"}}},
		{"  SONI", 0, [][]string{{"Sonic"}}},
		{"sox_", 0, [][]string{{"Sox_y"}}},
		{"so_", 0, [][]string{nil}},
		{"%", 0, [][]string{nil}},
	} {
		got := list(c.prefix, c.size)
		if !slices.EqualFunc(got, c.want, func(a, b []string) bool { return slices.Equal(a, b) }) {
			t.Errorf("ListBrands(%q, %d) pages = %q, want %q", c.prefix, c.size, got, c.want)
		}
	}

	first, err := f.svc.ListBrands(ctx, "son", 1, "")
	if err != nil || first.NextPageToken == "" {
		t.Fatalf("a first page of one: %+v, %v", first, err)
	}
	_, err = f.svc.ListBrands(ctx, "", 1, first.NextPageToken)
	if fields := testkit.Fields(t, err); !slices.Equal(fields, []string{"page.page_token"}) {
		t.Errorf("a token of another prefix: %v, want page.page_token refused", err)
	}
	_, err = f.svc.ListBrands(ctx, strings.Repeat("s", 101), -1, "")
	if fields := testkit.Fields(t, err); !slices.Equal(fields, []string{"name_prefix", "page.page_size"}) {
		t.Errorf("a prefix too long and a negative size: %v, want both fields refused", err)
	}
	wantKind(t, err, apperr.KindInvalid)
}
