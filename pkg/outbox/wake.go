package outbox

import (
	"sync"
	"time"
)

// wakers are the running relays' wake signals. Add signals every relay of
// the process: a relay of another database merely looks once and finds
// nothing.
var wakers = struct {
	sync.Mutex
	set map[*wakeSignals]struct{}
}{set: map[*wakeSignals]struct{}{}}

// wakeSignals are one relay's two (coalesced) wakes: committed, after a
// transaction that tracks its commit committed outbox rows, which the relay
// then finds on its first look; and pending, from Add in a transaction that
// does not, whose rows may become visible only a moment later.
type wakeSignals struct {
	committed, pending chan struct{}
}

// subscribeWake returns the wake signals of one relay until cancel is
// called.
func subscribeWake() (*wakeSignals, func()) {
	w := &wakeSignals{committed: make(chan struct{}, 1), pending: make(chan struct{}, 1)}
	wakers.Lock()
	wakers.set[w] = struct{}{}
	wakers.Unlock()
	return w, func() {
		wakers.Lock()
		delete(wakers.set, w)
		wakers.Unlock()
	}
}

// CommitTracker is a transaction that reports its own commit: pg.InTx's
// transactions are. Add marks such a transaction instead of waking the relays
// before the rows are visible; the transaction wakes them once it has
// committed (WakeRelays), so the relay finds the rows on its first look.
type CommitTracker interface {
	// WroteOutbox records that the transaction added outbox rows.
	WroteOutbox()
}

// WakeRelays signals every relay of the process without blocking; a relay
// already signalled stays signalled once. Transactions that track their
// commit call it after committing rows written by Add: the rows are visible,
// so a relay looks once.
func WakeRelays() { signal(func(w *wakeSignals) chan struct{} { return w.committed }) }

// wakeRelaysPending signals every relay that rows were added by a
// transaction that has not committed yet: a relay looks on the wakeBackoff
// steps until it finds them.
func wakeRelaysPending() { signal(func(w *wakeSignals) chan struct{} { return w.pending }) }

func signal(which func(*wakeSignals) chan struct{}) {
	wakers.Lock()
	defer wakers.Unlock()
	for w := range wakers.set {
		select {
		case which(w) <- struct{}{}:
		default:
		}
	}
}

// wakeBackoff is how a woken relay looks again when it found nothing: for a
// transaction that does not track its commit, Add signals before it commits,
// so the rows may become visible a moment later. Most commits land within the first few milliseconds; a
// transaction that runs on longer after Add is covered by the last steps and,
// past them, by the fallback poll.
var wakeBackoff = []time.Duration{
	500 * time.Microsecond, time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond,
	8 * time.Millisecond, 16 * time.Millisecond, 32 * time.Millisecond, 64 * time.Millisecond,
	128 * time.Millisecond, 256 * time.Millisecond, 512 * time.Millisecond,
}
