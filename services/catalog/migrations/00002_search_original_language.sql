-- +goose Up

-- A buyer searching in a locale may type the product's words in its
-- original language ("headphones" in a German storefront whose translation
-- says "Kopfhörer"). Each translated document therefore also carries the
-- default locale's title and description, weighted below its own text, in
-- the one indexed tsvector: a search still reads one row per product and
-- one index. Default-locale documents leave them empty.
ALTER TABLE listing_docs
    ADD COLUMN original_title       text NOT NULL DEFAULT '',
    ADD COLUMN original_description text NOT NULL DEFAULT '';

UPDATE listing_docs d
   SET original_title = o.title, original_description = o.description
  FROM listing_docs o
 WHERE o.product_id = d.product_id AND o.is_default AND NOT d.is_default;

ALTER TABLE listing_docs DROP COLUMN tsv;
ALTER TABLE listing_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, title), 'A') ||
    setweight(to_tsvector('simple'::regconfig, description), 'B') ||
    setweight(to_tsvector('simple'::regconfig, original_title), 'C') ||
    setweight(to_tsvector('simple'::regconfig, original_description), 'D')) STORED;
CREATE INDEX listing_docs_text ON listing_docs USING gin (tsv);

-- +goose Down
ALTER TABLE listing_docs DROP COLUMN tsv;
ALTER TABLE listing_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, title), 'A') ||
    setweight(to_tsvector('simple'::regconfig, description), 'B')) STORED;
CREATE INDEX listing_docs_text ON listing_docs USING gin (tsv);
ALTER TABLE listing_docs DROP COLUMN original_title, DROP COLUMN original_description;
