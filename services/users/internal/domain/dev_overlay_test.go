package domain_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// The dev overlay's bootstrap admin must pass the password policy: the users
// service validates it on every start, and a refusal stops the service, and
// with it every token of the dev mesh. "crossdock-dev-admin-2026" for
// admin@… contained the e-mail's name part and crash-looped it.
func TestTheDevOverlaysBootstrapAdminPassesThePolicy(t *testing.T) {
	path := filepath.Join("..", "..", "..", "..", "deploy", "k8s", "overlays", "dev", "kustomization.yaml")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var email, password string
	inSecret := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "- name: "):
			inSecret = line == "- name: users-bootstrap-admin"
		case inSecret && strings.HasPrefix(line, "- email="):
			email = strings.TrimPrefix(line, "- email=")
		case inSecret && strings.HasPrefix(line, "- password="):
			password = strings.TrimPrefix(line, "- password=")
		}
	}
	if email == "" || password == "" {
		t.Fatalf("no users-bootstrap-admin e-mail and password in %s", path)
	}
	if _, err := domain.ValidateAccount(domain.AccountInput{Email: email, Password: password, DisplayName: "Administrator"}); err != nil {
		t.Errorf("the dev bootstrap admin %s is refused: %v", email, err)
	}
}
