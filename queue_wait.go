package scope

import "context"

// A waiter is a goroutine blocked in Put or Get. It is woken, under the
// queue's mutex, by a send on its own buffered channel, and then looks again:
// nothing is handed over through the channel, so a caller that gives up has
// taken or added nothing.
type waiter struct {
	ready      chan struct{} // one slot: a wake-up never blocks the waker
	woken      bool          // a wake-up was sent; guarded by the queue's mutex
	prev, next *waiter
}

// waiters is a FIFO list of waiters.
type waiters struct{ head, tail *waiter }

func (l *waiters) push(w *waiter) {
	w.prev, w.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = w
	} else {
		l.head = w
	}
	l.tail = w
}

func (l *waiters) remove(w *waiter) {
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

// wakeOne wakes the longest waiting, if any.
func (l *waiters) wakeOne() {
	if w := l.head; w != nil {
		l.remove(w)
		w.woken = true
		w.ready <- struct{}{}
	}
}

func (l *waiters) wakeAll() {
	for l.head != nil {
		l.wakeOne()
	}
}

// wait blocks, with q.mu held on entry, until the caller is woken (it
// returns nil with q.mu held again) or ctx ends (it returns the cause with
// q.mu released). A wake-up that comes as ctx ends is passed on to the next
// waiter, so that none is lost.
func (q *Queue[T]) wait(ctx context.Context, l *waiters) error {
	w := q.spare
	if w != nil {
		q.spare = w.next
	} else {
		w = &waiter{ready: make(chan struct{}, 1)}
	}
	w.woken = false
	l.push(w)
	q.mu.Unlock()
	select {
	case <-w.ready:
		q.mu.Lock()
		q.reuse(w)
		return nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	if w.woken {
		<-w.ready // sent under q.mu, so it is there
		l.wakeOne()
	} else {
		l.remove(w)
	}
	q.reuse(w)
	q.mu.Unlock()
	return context.Cause(ctx)
}

// reuse keeps w for the next wait; its channel is empty. q.mu is held.
func (q *Queue[T]) reuse(w *waiter) {
	w.prev, w.next = nil, q.spare
	q.spare = w
}
