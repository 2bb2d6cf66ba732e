// Package natsauth turns the mesh's NATS permission table (natsx.Accesses)
// into the users of an embedded nats-server. It is apart from natsx so the
// services, which only connect, do not link the server.
package natsauth

import (
	"fmt"

	"github.com/nats-io/nats-server/v2/server"
	"golang.org/x/crypto/bcrypt"

	"github.com/crossdock/crossdock/pkg/natsx"
)

// Users returns one server user per line of natsx.Accesses, allowed exactly
// what the line allows and nothing else. passwords holds each user's
// password; a user without one is an error, never an open door.
func Users(passwords map[string]string) ([]*server.User, error) {
	users := make([]*server.User, 0, len(natsx.Accesses))
	for _, a := range natsx.Accesses {
		pw := passwords[a.User]
		if pw == "" {
			return nil, fmt.Errorf("nats user %s has no password", a.User)
		}
		users = append(users, User(a, pw))
	}
	return users, nil
}

// User is the server user of one access line.
func User(a natsx.Access, password string) *server.User {
	return &server.User{
		Username: a.User,
		Password: password,
		Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: a.Publish()},
			Subscribe: &server.SubjectPermission{Allow: a.Subscribe()},
		},
	}
}

// Hash replaces each user's password by its bcrypt hash, which the server
// compares logins against: the passwords then live in the server's memory
// only as hashes (and the server stops warning about plain-text ones).
func Hash(users []*server.User) error {
	for _, u := range users {
		h, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.DefaultCost)
		if err != nil {
			return fmt.Errorf("nats user %s: %w", u.Username, err)
		}
		u.Password = string(h)
	}
	return nil
}
