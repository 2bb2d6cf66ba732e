package argon2id_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/services/users/internal/argon2id"
)

func TestHashAndVerify(t *testing.T) {
	p := argon2id.OWASP
	h, err := p.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an OWASP argon2id PHC string", h)
	}
	if ok, err := argon2id.Verify("correct horse battery staple", h); !ok || err != nil {
		t.Errorf("Verify(right password) = %v, %v", ok, err)
	}
	if ok, err := argon2id.Verify("correct horse battery stapl", h); ok || err != nil {
		t.Errorf("Verify(wrong password) = %v, %v", ok, err)
	}
	if h2, _ := p.Hash("correct horse battery staple"); h2 == h {
		t.Error("two hashes of one password share a salt")
	}
	if p.NeedsRehash(h) {
		t.Error("a fresh hash needs no rehash")
	}
}

// Parameters come from the stored string: a hash made with cheaper parameters
// still verifies after the defaults were raised, and is flagged for rehash.
func TestParametersAreReadFromTheHash(t *testing.T) {
	cheap := argon2id.Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	h, err := cheap.Hash("an old password here")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := argon2id.Verify("an old password here", h); !ok || err != nil {
		t.Errorf("Verify = %v, %v", ok, err)
	}
	if !argon2id.OWASP.NeedsRehash(h) {
		t.Error("a cheaper hash should need a rehash")
	}
}

func TestMalformedHashes(t *testing.T) {
	for _, h := range []string{
		"",
		"$2a$10$abcdefghijklmnopqrstuv",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA",
	} {
		if _, err := argon2id.Verify("x", h); !errors.Is(err, argon2id.ErrMalformed) {
			t.Errorf("Verify(%q) error = %v, want ErrMalformed", h, err)
		}
	}
}
