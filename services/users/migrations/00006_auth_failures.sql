-- +goose Up
-- auth_failures counts failed credential checks (logins, service-token
-- requests) per key, so every replica throttles the same guesses: a key is
-- "<scope>:pair:<account>|<client>", "<scope>:client:<client>" or
-- "<scope>:account:<account>". last_success marks a client that proved it
-- knows an account's credentials (pair keys only). Rows idle past the window
-- are deleted by the maintenance sweep.
CREATE TABLE auth_failures (
    key          text        PRIMARY KEY,
    failures     integer     NOT NULL DEFAULT 0,
    last_failure timestamptz,
    last_success timestamptz
);
CREATE INDEX auth_failures_by_activity ON auth_failures (greatest(last_failure, last_success));

-- +goose Down
DROP TABLE auth_failures;
