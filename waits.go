package scope

import (
	"context"
	"sync"
	"sync/atomic"
)

// A blocker is one blocking call a tracked task is in: an operation and,
// formatted only when someone looks, what it waits for.
type blocker struct {
	op         string
	on         any      // a *Scope, something with a Name, or nil
	prev, next *blocker // in the task's blockers
}

func (b *blocker) String() string {
	switch on := b.on.(type) {
	case *Scope:
		return b.op + " " + scopeTitle(on.cfg.name, on.id)
	case interface{ Name() string }:
		return b.op + " " + on.Name()
	}
	return b.op
}

// blockers are the blocking calls a tracked task is in, the latest last.
// Usually there is one, or calls nested in each other that end in reverse
// order; but goroutines the task starts may block on its context at once
// and return in any order, so each call takes out its own entry.
type blockers struct {
	mu   sync.Mutex
	last *blocker
}

func (l *blockers) add(b *blocker) {
	l.mu.Lock()
	b.prev = l.last
	if l.last != nil {
		l.last.next = b
	}
	l.last = b
	l.mu.Unlock()
}

func (l *blockers) remove(b *blocker) {
	l.mu.Lock()
	if b.next != nil {
		b.next.prev = b.prev
	} else {
		l.last = b.prev
	}
	if b.prev != nil {
		b.prev.next = b.next
	}
	l.mu.Unlock()
}

// String returns the latest blocking call, or "" if there is none. Its op
// and on never change, so it is formatted outside the lock.
func (l *blockers) String() string {
	l.mu.Lock()
	b := l.last
	l.mu.Unlock()
	if b == nil {
		return ""
	}
	return b.String()
}

// trackedScopes counts the scopes in the registry: a blocking call looks
// for its task in its context only while there are any, so that with
// tracking off the look costs one atomic load.
var trackedScopes atomic.Int64

// blockedIn marks the tracked task whose context ctx is, if any, as blocked
// in op on on, and returns it with the mark, to hand to unblock. A context
// of a scope made inside a task (the body of a nested Run, say) is that
// task's: the task is what blocks.
func blockedIn(ctx context.Context, op string, on any) (*taskTrack, *blocker) {
	if trackedScopes.Load() == 0 {
		return nil, nil
	}
	n, _ := ctx.Value(nodeKey{}).(node)
	return blockedAs(taskOf(n), op, on)
}

// blockedAs marks tt, if not nil, as blocked in op on on.
func blockedAs(tt *taskTrack, op string, on any) (*taskTrack, *blocker) {
	if tt == nil {
		return nil, nil
	}
	b := &blocker{op: op, on: on}
	tt.waits.add(b)
	return tt, b
}

// taskOf returns the tracked task that n is, or that the scope n is was made
// in, through any nesting of scopes made in their bodies; nil if none.
func taskOf(n node) *taskTrack {
	for r, ok := n.(*scopeTrack); ok; r, ok = n.(*scopeTrack) {
		n = r.parent
	}
	tt, _ := n.(*taskTrack)
	return tt
}

// unblock takes out the mark blockedIn made.
func unblock(tt *taskTrack, b *blocker) {
	if tt != nil {
		tt.waits.remove(b)
	}
}
