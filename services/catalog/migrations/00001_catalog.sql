-- +goose Up

-- categories form a tree. path lists the ids from the root down to the
-- category itself ('/<root>/<child>/'), so a subtree is one prefix query.
-- Categories never move, so paths never change.
CREATE TABLE categories (
    id         uuid        PRIMARY KEY,
    parent_id  uuid        REFERENCES categories (id),
    name       text        NOT NULL,
    slug       text        NOT NULL,
    path       text        NOT NULL,
    created_at timestamptz NOT NULL
);
-- Slugs are unique among siblings (roots are siblings of each other).
CREATE UNIQUE INDEX categories_slug_key
    ON categories (COALESCE(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), slug);
CREATE INDEX categories_path ON categories (path text_pattern_ops);

CREATE TABLE brands (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX brands_name_key ON brands (lower(name));

-- product_models are attribute templates; attributes is a JSON array of
-- {name, kind, allowed_values, required, spec}.
CREATE TABLE product_models (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    attributes jsonb       NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX product_models_name_key ON product_models (lower(name));

-- products are suppliers' products (SPU). live_revision is what buyers see
-- once approved; pending_revision is being edited or reviewed.
CREATE TABLE products (
    id               uuid        PRIMARY KEY,
    supplier_id      uuid        NOT NULL,
    model_id         uuid        NOT NULL REFERENCES product_models (id),
    type             text        NOT NULL CHECK (type IN ('physical', 'virtual')),
    origin_country   text        NOT NULL,
    origin_region    text        NOT NULL DEFAULT '',
    default_locale   text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('draft', 'submitted', 'changes_requested', 'rejected',
                                                            'approved', 'listed', 'delisted')),
    live_revision    bigint,
    pending_revision bigint,
    last_revision    bigint      NOT NULL,
    qc_passed        boolean,
    qc_notes         text        NOT NULL DEFAULT '',
    qc_checked_by    text        NOT NULL DEFAULT '',
    qc_checked_at    timestamptz,
    review_since     timestamptz,
    listed_at        timestamptz,
    deleted_at       timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK (live_revision IS NOT NULL OR status IN ('draft', 'submitted', 'changes_requested', 'rejected')),
    CHECK (status <> 'listed' OR listed_at IS NOT NULL)
);
CREATE INDEX products_by_supplier ON products (supplier_id, created_at DESC, id DESC);
CREATE INDEX products_review_queue ON products (review_since, id)
    WHERE review_since IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX products_bin ON products (deleted_at) WHERE deleted_at IS NOT NULL;

-- product_revisions keep every version of a product's content (a JSON
-- document in the shape of the contract's ProductContent) and its review.
CREATE TABLE product_revisions (
    product_id    uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    number        bigint      NOT NULL CHECK (number >= 1),
    status        text        NOT NULL CHECK (status IN ('draft', 'submitted', 'changes_requested', 'rejected', 'approved')),
    content       jsonb       NOT NULL,
    review_reason text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (product_id, number)
);

-- skus are the stable identities of SKUs: a code belongs to one product of
-- its supplier for good (until the product is purged).
CREATE TABLE skus (
    id          uuid        PRIMARY KEY,
    product_id  uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    supplier_id uuid        NOT NULL,
    sku_code    text        NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT skus_code_key UNIQUE (supplier_id, sku_code)
);
CREATE INDEX skus_by_product ON skus (product_id);

CREATE TABLE product_translations (
    product_id       uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    locale           text        NOT NULL,
    title            text        NOT NULL,
    description      text        NOT NULL,
    attribute_labels jsonb       NOT NULL,
    complete         boolean     NOT NULL,
    translated_by    text        NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (product_id, locale)
);

-- product_transitions is each product's history: who did what, when, why.
CREATE TABLE product_transitions (
    seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    from_status text        NOT NULL,
    to_status   text        NOT NULL,
    action      text        NOT NULL,
    actor_id    text        NOT NULL,
    reason      text        NOT NULL DEFAULT '',
    revision    bigint      NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX product_transitions_by_product ON product_transitions (product_id, seq);

-- listing_docs is what buyers search: one row per product on sale and
-- locale it can be read in (its default locale and every complete
-- translation), rewritten whenever the product changes. product_locales
-- lists all of the product's rows' locales, so a query in any locale picks
-- exactly one row per product (see the repository's search).
CREATE TABLE listing_docs (
    product_id      uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    locale          text        NOT NULL,
    is_default      boolean     NOT NULL,
    product_locales text[]      NOT NULL,
    supplier_id     uuid        NOT NULL,
    category_id     uuid        NOT NULL,
    brand_id        uuid,
    type            text        NOT NULL,
    title           text        NOT NULL,
    description     text        NOT NULL,
    image           text        NOT NULL DEFAULT '',
    price_minor     bigint      NOT NULL,
    currency        text        NOT NULL,
    sku_specs       jsonb       NOT NULL,
    listed_at       timestamptz NOT NULL,
    tsv             tsvector    GENERATED ALWAYS AS (
                        setweight(to_tsvector('simple'::regconfig, title), 'A') ||
                        setweight(to_tsvector('simple'::regconfig, description), 'B')) STORED,
    PRIMARY KEY (product_id, locale)
);
CREATE INDEX listing_docs_text ON listing_docs USING gin (tsv);
CREATE INDEX listing_docs_specs ON listing_docs USING gin (sku_specs jsonb_path_ops);
CREATE INDEX listing_docs_category ON listing_docs (category_id, currency, price_minor);
CREATE INDEX listing_docs_price ON listing_docs (currency, price_minor, product_id);
CREATE INDEX listing_docs_newest ON listing_docs (listed_at, product_id);
CREATE INDEX listing_docs_brand ON listing_docs (brand_id) WHERE brand_id IS NOT NULL;

-- listing_skus are the SKUs on sale, for comparing offers of a category with
-- the same spec values.
CREATE TABLE listing_skus (
    sku_id      uuid   PRIMARY KEY,
    product_id  uuid   NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    supplier_id uuid   NOT NULL,
    category_id uuid   NOT NULL,
    spec_values jsonb  NOT NULL,
    price_minor bigint NOT NULL,
    currency    text   NOT NULL
);
CREATE INDEX listing_skus_by_category ON listing_skus (category_id, spec_values);
CREATE INDEX listing_skus_by_product ON listing_skus (product_id);

-- merchant_tiers mirrors each merchant's tier from the users service's
-- users.merchant.tier_changed events; changed_at keeps a late, older event
-- from undoing a newer one.
CREATE TABLE merchant_tiers (
    merchant_id uuid        PRIMARY KEY,
    tier_code   text        NOT NULL,
    changed_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE merchant_tiers;
DROP TABLE listing_skus;
DROP TABLE listing_docs;
DROP TABLE product_transitions;
DROP TABLE product_translations;
DROP TABLE skus;
DROP TABLE product_revisions;
DROP TABLE products;
DROP TABLE product_models;
DROP TABLE brands;
DROP TABLE categories;
