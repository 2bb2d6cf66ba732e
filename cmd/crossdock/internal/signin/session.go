// Package signin keeps an access token for an operator's account, for the
// commands that call the mesh as an admin.
package signin

import (
	"context"
	"fmt"
	"sync"
	"time"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

// Session keeps an access token for an account, signing in again shortly
// before the token expires (access tokens live 15 minutes; a large import
// takes longer).
type Session struct {
	Users           usersv1.UsersServiceClient
	Email, Password string

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// Token returns a valid access token.
func (s *Session) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && time.Now().Before(s.renewAt) {
		return s.token, nil
	}
	resp, err := s.Users.Login(ctx, &usersv1.LoginRequest{Email: s.Email, Password: s.Password})
	if err != nil {
		return "", fmt.Errorf("sign in as %s: %w", s.Email, err)
	}
	ttl := time.Duration(resp.GetTokens().GetExpiresIn()) * time.Second
	s.token = resp.GetTokens().GetAccessToken()
	s.renewAt = time.Now().Add(ttl - min(ttl/5, time.Minute))
	return s.token, nil
}
