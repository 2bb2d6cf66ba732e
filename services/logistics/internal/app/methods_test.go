package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// Two admins changing one shipping method at once both have their change:
// one renames it while the other suspends it, and it ends renamed and
// suspended. Before, the method was read unlocked and written whole, so the
// rename landing last put the method back on sale.
func TestConcurrentMethodUpdatesKeepBothChanges(t *testing.T) {
	f := newFixture(t, carriersim.Config{}, 4)
	m := f.methods["air"]
	suspended := make(chan error, 1)
	readFirst := &methodReadStore{Store: f.store, read: func() {
		go func() {
			_, err := f.svc.UpdateMethod(ctx, admin, m.ID, app.MethodUpdate{Active: new(false)})
			suspended <- err
		}()
		// The suspension either lands now (nothing holds the method) or
		// waits for this update to end.
		select {
		case err := <-suspended:
			suspended <- err
		case <-time.After(300 * time.Millisecond):
		}
	}}
	renaming := app.New(readFirst, carrierapi.New(5*time.Second), f.finance, f.inventory, app.Config{Environment: "sandbox", BaseCurrency: "USD", TimeScale: 1})
	if _, err := renaming.UpdateMethod(ctx, admin, m.ID, app.MethodUpdate{Name: "Air Express"}); err != nil {
		t.Fatal(err)
	}
	if err := <-suspended; err != nil {
		t.Fatal(err)
	}
	got, err := f.store.GetMethod(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Air Express" || got.Active {
		t.Errorf("after a rename and a suspension at once the method is %q, active %v; want renamed and suspended", got.Name, got.Active)
	}
}

// methodReadStore runs read once, right after a transaction of its own
// read a shipping method: another admin's change landing between the read
// and the write.
type methodReadStore struct {
	app.Store
	once sync.Once
	read func()
}

func (s *methodReadStore) InTx(ctx context.Context, fn func(app.Repository) error) error {
	return s.Store.InTx(ctx, func(r app.Repository) error { return fn(methodReadRepo{Repository: r, s: s}) })
}

type methodReadRepo struct {
	app.Repository
	s *methodReadStore
}

func (r methodReadRepo) GetMethod(ctx context.Context, id uuid.UUID) (domain.Method, error) {
	m, err := r.Repository.GetMethod(ctx, id)
	r.s.once.Do(r.s.read)
	return m, err
}

func (r methodReadRepo) LockMethod(ctx context.Context, id uuid.UUID) (domain.Method, error) {
	m, err := r.Repository.LockMethod(ctx, id)
	r.s.once.Do(r.s.read)
	return m, err
}
