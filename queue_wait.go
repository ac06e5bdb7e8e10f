package scope

import (
	"context"
	"sync/atomic"
	"time"
)

// A waiter is a goroutine blocked in Put or Get. Under the queue's mutex, a
// Put hands its item straight to a waiting Get, and a Get that frees room
// moves a waiting Put's item in; then it wakes the waiter by a send on the
// waiter's own buffered channel. A waiter woken without an item (by a
// shutdown) looks again.
type waiter[T any] struct {
	ready      chan struct{}             // one slot: a wake-up never blocks the waker
	woken      bool                      // guarded by the queue's mutex, as are item and handed
	handed     bool                      // Get: item was handed over; Put: item was taken in
	panicked   any                       // Put: what less panicked with on item, for the Put to panic with
	fakeEnd    atomic.Pointer[time.Time] // its context's deadline, if on a synctest bubble's clock: see late
	done       <-chan struct{}           // its context's Done, once hasDone says so: see gone
	hasDone    atomic.Bool
	item       T
	prev, next *waiter[T]
}

// waiters is a FIFO list of waiters.
type waiters[T any] struct{ head, tail *waiter[T] }

func (l *waiters[T]) push(w *waiter[T]) {
	w.prev, w.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = w
	} else {
		l.head = w
	}
	l.tail = w
}

func (l *waiters[T]) remove(w *waiter[T]) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		l.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		l.tail = w.prev
	}
	w.prev, w.next = nil, nil
}

// first returns the first waiter that is neither gone nor late, or nil.
// Its callers call it only when someone waits: the generic method is not
// inlined, and a call on every Put and Get cost 1x1 throughput 7% to 11%.
func (l *waiters[T]) first() *waiter[T] {
	w := l.head
	for w != nil && (w.gone() || w.late()) {
		w = w.next
	}
	return w
}

// gone reports whether w's context has ended, though w may not have run
// since to leave the list: a Put passes over such a Get, and a Get over
// such a Put, as asyncio's put_nowait passes over a getter cancelled
// before it; so a Get cancelled, then a Put, in that order, never hands
// the item to the cancelled Get. Its Done is published once w has asked
// for it, without the queue's lock (see wait): a waker that looks first
// takes w as live, as for a call whose context ended a moment later.
func (w *waiter[T]) gone() bool {
	if !w.hasDone.Load() {
		return false
	}
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// late reports whether this is the instant of w's context's deadline on a
// testing/synctest bubble's clock, though the context's timer may not have
// fired yet (see fakeDeadline and isNow). A late waiter is neither handed an item nor
// woken by a shutdown: it is left to its context, which ends at once. So at
// one instant the deadline wins, as in asyncio, where a timeout's callback
// cancels the waiting task before the put that comes at that instant
// resumes it; in a bubble, where a Put and a Get's deadline often fall at
// one instant, the outcome no longer depends on which goroutine the
// scheduler runs first.
func (w *waiter[T]) late() bool {
	d := w.fakeEnd.Load()
	return d != nil && isNow(*d)
}

// claim removes w from the list and marks it woken, under the queue's
// mutex; handed says whether it was handed an item (or had its item taken
// in). The caller then wakes it with a send, after unlocking: a waiter whose
// context ends meanwhile sees it was claimed and waits for that send.
func (l *waiters[T]) claim(w *waiter[T], handed bool) *waiter[T] {
	l.remove(w)
	w.woken, w.handed = true, handed
	return w
}

// wake sends w its wake-up; nil is no one. It never blocks.
func (w *waiter[T]) wake() {
	if w != nil {
		w.ready <- struct{}{}
	}
}

// wakeAll wakes every waiter but the gone and late ones, which leave as
// their contexts end.
func (l *waiters[T]) wakeAll() {
	for w := l.head; w != nil; {
		next := w.next
		if !w.gone() && !w.late() {
			l.claim(w, false).wake()
		}
		w = next
	}
}

// wait blocks, with q.mu held on entry, until the caller is woken or ctx
// ends, and returns with q.mu released. For a Get, item is what it is
// handed; for a Put, item is what it offers. handed reports that the
// operation took place, even if ctx ended at the same moment: a hand-over is
// never undone, so nothing is lost. Otherwise err is the cause if ctx ended,
// or nil to look again (after a shutdown).
func (q *Queue[T]) wait(ctx context.Context, l *waiters[T], item T) (got T, handed bool, err error) {
	w := q.spare.get()
	if w == nil {
		w = &waiter[T]{ready: make(chan struct{}, 1)}
	}
	w.woken, w.handed, w.item = false, false, item
	if w.fakeEnd.Load() != nil { // a store costs a fence: only when needed
		w.fakeEnd.Store(nil)
	}
	if w.hasDone.Load() {
		w.hasDone.Store(false)
		w.done = nil
	}
	l.push(w)
	q.mu.Unlock()
	op := "Queue.Put"
	if l == &q.getters {
		op = "Queue.Get"
	}
	defer unblock(blockedIn(ctx, op, nil))
	done := ctx.Done() // not under q.mu: ctx may be the user's own Context, whose methods may use the queue
	if done == nil {   // a context that never ends: a plain receive is cheaper than a select
		<-w.ready
	} else {
		// Done and the deadline are asked of ctx without q.mu, and
		// published to wakers with an atomic store: a waker that looks
		// first finds neither, as for a caller that came a moment earlier.
		w.done = done // see gone
		w.hasDone.Store(true)
		var guard <-chan time.Time // see isNow: until just after the deadline's instant
		if d, fake := fakeDeadline(ctx); fake && !time.Now().After(d) {
			end := d // declared here, it is allocated here only: &d escaped on every wait
			w.fakeEnd.Store(&end)
			t := time.NewTimer(time.Until(d) + time.Nanosecond)
			defer t.Stop()
			guard = t.C
		}
		select {
		case <-w.ready:
		case <-done:
			cause := context.Cause(ctx) // not under q.mu: ctx may be the user's own Context, whose Value may use the queue
			if !q.unwait(l, w) {
				err = cause
			}
		case <-guard: // ctx did not end at its deadline's instant: look again, with no deadline
			q.unwait(l, w)
		}
	}
	got, handed = w.item, w.handed
	p := w.panicked
	var zero T
	w.item, w.panicked = zero, nil
	q.spare.put(w)
	if p != nil {
		panic(p)
	}
	return got, handed, err
}

// unwait takes w off l, unless a waker claimed it first; then it waits for
// that waker's send, which comes just after the waker unlocks (never wait
// holding q.mu), and reports that w was claimed.
func (q *Queue[T]) unwait(l *waiters[T], w *waiter[T]) (claimed bool) {
	q.mu.Lock()
	claimed = w.woken
	if !claimed {
		l.remove(w)
	}
	q.mu.Unlock()
	if claimed {
		<-w.ready
	}
	return claimed
}
