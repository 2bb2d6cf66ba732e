-- +goose Up
-- An account's open sessions, found at once when it is removed from its
-- organization and every one of them is revoked.
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX refresh_tokens_by_user;
