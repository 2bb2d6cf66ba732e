package outbox

import (
	"sync"
	"time"
)

// wakers are the running relays' wake channels. Add signals every relay of the
// process: a relay of another database merely looks once and finds nothing.
var wakers = struct {
	sync.Mutex
	chans map[chan struct{}]struct{}
}{chans: map[chan struct{}]struct{}{}}

// subscribeWake returns a channel that receives (coalesced) wakes until
// cancel is called.
func subscribeWake() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	wakers.Lock()
	wakers.chans[ch] = struct{}{}
	wakers.Unlock()
	return ch, func() {
		wakers.Lock()
		delete(wakers.chans, ch)
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
// commit call it after committing rows written by Add.
func WakeRelays() {
	wakers.Lock()
	defer wakers.Unlock()
	for ch := range wakers.chans {
		select {
		case ch <- struct{}{}:
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
