package app

import (
	"context"
	"log/slog"
	"time"
)

// expiredTokenGrace keeps expired refresh tokens a day, so a late reuse of
// one is still recognised (and refused) as such rather than as garbage.
const expiredTokenGrace = 24 * time.Hour

// PruneRefreshTokens deletes refresh tokens that expired more than a day
// ago (a revoked one only once its whole family has), and returns how many
// went.
func (s *Service) PruneRefreshTokens(ctx context.Context) (int64, error) {
	return s.store.DeleteRefreshTokensExpiredBefore(ctx, s.clock().Add(-expiredTokenGrace))
}

// RunMaintenance prunes expired refresh tokens and keeps the signing keys
// rotating, and sealed under the current key-encryption key, every interval
// until ctx ends, so the tables stay small and a scheduled key is published
// even when nobody signs in.
func (s *Service) RunMaintenance(ctx context.Context, interval time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.PruneRefreshTokens(ctx); err != nil && ctx.Err() == nil {
			log.Warn("pruning refresh tokens", "error", err)
		} else if n > 0 {
			log.Info("pruned expired refresh tokens", "count", n)
		}
		if _, err := s.store.PruneFailures(ctx, s.clock().Add(-max(s.cfg.Throttle.Window, s.cfg.Throttle.Trust))); err != nil && ctx.Err() == nil {
			log.Warn("pruning failed-attempt records", "error", err)
		}
		if n, err := s.EnsureSigningKey(ctx); err != nil && ctx.Err() == nil {
			log.Warn("checking signing key rotation", "error", err)
		} else if n > 0 {
			log.Info("signing keys sealed under the current key-encryption key", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
