package app_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/migrations"
)

// benchProducts is the catalog size the browse figures are quoted for.
const benchProducts = 100_000

// BenchmarkSearch measures SearchProducts over 100,000 listed products
// (10 % of them also translated into German) with what a buyer's browse
// does most: a category filter (a top-level category, so its 100 leaf
// categories), a text query and price sorting, first page of 20. It reports
// the median and the 99th percentile latency of one search.
//
//	go test -run XXX -bench Search ./internal/app/
func BenchmarkSearch(b *testing.B) {
	pool := testkit.Database(b, testkit.Migrations{Name: "catalog", FS: migrations.FS})
	start := time.Now()
	roots, words := seedListings(b, pool, benchProducts)
	b.Logf("seeded %d listed products in %v", benchProducts, time.Since(start).Round(time.Millisecond))
	svc := app.New(postgres.New(pool), app.DefaultConfig())

	rng := rand.New(rand.NewPCG(7, 7))
	var queries []app.SearchInput
	for range 64 {
		q := app.SearchInput{
			CategoryID: roots[rng.IntN(len(roots))].String(), Sort: app.SortPriceAsc, PageSize: 20,
			Query: words[rng.IntN(200)] + " " + words[rng.IntN(50)][:3], // a common word and a prefix
		}
		if rng.IntN(4) == 0 {
			q.Locale = "de-DE"
		}
		if rng.IntN(4) == 0 {
			q.MinPrice, q.MaxPrice = &money.Money{Amount: 1000, Currency: "EUR"}, &money.Money{Amount: 20000, Currency: "EUR"}
		}
		queries = append(queries, q)
	}
	for _, q := range queries[:8] { // warm the cache; check the queries find something
		if _, err := svc.SearchProducts(ctx, q); err != nil {
			b.Fatal(err)
		}
	}

	var took []time.Duration
	var hits int
	i := 0
	for b.Loop() {
		t0 := time.Now()
		page, err := svc.SearchProducts(ctx, queries[i%len(queries)])
		took = append(took, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		hits += len(page.Hits)
		i++
	}
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(hits)/float64(len(took)), "hits/search")
}

// seedListings bulk-loads n listed products straight into the tables a
// search reads (COPY, not the use cases: the use cases would take minutes
// on two cores), over a three-level tree of 10 × 10 × 10 categories. It
// returns the top-level categories and the vocabulary, most frequent word
// first.
func seedListings(b *testing.B, pool *pgxpool.Pool, n int) (roots []uuid.UUID, words []string) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	words = vocabulary(rng, 5000)
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(words)-1))
	phrase := func(k int) string {
		parts := make([]string, k)
		for i := range parts {
			parts[i] = words[zipf.Uint64()]
		}
		return strings.Join(parts, " ")
	}
	now := time.Now().UTC()

	var leaves []uuid.UUID
	var cats [][]any
	for i := range 10 {
		root := uuid.New()
		roots = append(roots, root)
		cats = append(cats, []any{root, nil, fmt.Sprintf("Root %d", i), fmt.Sprintf("root-%d", i), "/" + root.String() + "/", now})
		for j := range 10 {
			mid := uuid.New()
			midPath := "/" + root.String() + "/" + mid.String() + "/"
			cats = append(cats, []any{mid, root, fmt.Sprintf("Mid %d", j), fmt.Sprintf("mid-%d", j), midPath, now})
			for k := range 10 {
				leaf := uuid.New()
				leaves = append(leaves, leaf)
				cats = append(cats, []any{leaf, mid, fmt.Sprintf("Leaf %d", k), fmt.Sprintf("leaf-%d", k), midPath + leaf.String() + "/", now})
			}
		}
	}
	model := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO product_models (id, name, attributes, created_at) VALUES ($1, 'Bench', '[]', now())`, model); err != nil {
		b.Fatal(err)
	}
	suppliers := make([]uuid.UUID, 200)
	for i := range suppliers {
		suppliers[i] = uuid.New()
	}
	colours := []string{"black", "white", "red", "blue", "green"}

	var products, docs [][]any
	for i := range n {
		id := uuid.Must(uuid.NewV7())
		supplier := suppliers[rng.IntN(len(suppliers))]
		listed := now.Add(-time.Duration(rng.IntN(365*24)) * time.Hour)
		products = append(products, []any{id, supplier, model, "physical", "CN", "CN-GD", "en", "listed", int64(1), int64(1), listed, listed, listed})
		category := leaves[rng.IntN(len(leaves))]
		price := int64(100 + rng.IntN(50000))
		specs := fmt.Sprintf(`[{"colour":%q}]`, colours[rng.IntN(len(colours))])
		locales := []string{"en"}
		translated := i%10 == 0
		if translated {
			locales = append(locales, "de")
		}
		image := fmt.Sprintf("https://img.example.com/%d.jpg", i)
		title, description := phrase(4), phrase(15)
		docs = append(docs, []any{id, "en", true, locales, supplier, category, nil, "physical",
			title, description, "", "", image, price, "EUR", specs, listed})
		if translated { // a translation is searched by the original text too
			docs = append(docs, []any{id, "de", false, locales, supplier, category, nil, "physical",
				phrase(4), phrase(15), title, description, image, price, "EUR", specs, listed})
		}
	}
	for _, copy := range []struct {
		table   string
		columns []string
		rows    [][]any
	}{
		{"categories", []string{"id", "parent_id", "name", "slug", "path", "created_at"}, cats},
		{"products", []string{"id", "supplier_id", "model_id", "type", "origin_country", "origin_region", "default_locale",
			"status", "live_revision", "last_revision", "listed_at", "created_at", "updated_at"}, products},
		{"listing_docs", []string{"product_id", "locale", "is_default", "product_locales", "supplier_id", "category_id",
			"brand_id", "type", "title", "description", "original_title", "original_description", "image", "price_minor",
			"currency", "sku_specs", "listed_at"}, docs},
	} {
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{copy.table}, copy.columns, pgx.CopyFromRows(copy.rows)); err != nil {
			b.Fatalf("copy %s: %v", copy.table, err)
		}
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return roots, words
}

// vocabulary makes n distinct pronounceable words.
func vocabulary(rng *rand.Rand, n int) []string {
	const consonants, vowels = "bcdfghklmnprstvz", "aeiou"
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var sb strings.Builder
		for range 2 + rng.IntN(3) {
			sb.WriteByte(consonants[rng.IntN(len(consonants))])
			sb.WriteByte(vowels[rng.IntN(len(vowels))])
		}
		if w := sb.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
