package scope

import (
	"context"
	"sync/atomic"
)

// A blocker is what a tracked task is blocked in: an operation and,
// formatted only when someone looks, what it waits for.
type blocker struct {
	op string
	on any // a *Scope, something with a Name, or nil
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

// trackedScopes counts the scopes in the registry: a blocking call looks
// for its task in its context only while there are any, so that with
// tracking off the look costs one atomic load.
var trackedScopes atomic.Int64

// blockedIn marks the tracked task whose context ctx is, if any, as blocked
// in op on on, and returns it with what it was blocked in before, to hand
// to unblock. A context of a scope made inside a task (the body of a nested
// Run, say) is that task's: the task is what blocks.
func blockedIn(ctx context.Context, op string, on any) (*taskTrack, *blocker) {
	if trackedScopes.Load() == 0 {
		return nil, nil
	}
	n, _ := ctx.Value(nodeKey{}).(node)
	tt := taskOf(n)
	if tt == nil {
		return nil, nil
	}
	return tt, tt.waits.Swap(&blocker{op, on})
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

// unblock undoes blockedIn.
func unblock(tt *taskTrack, prev *blocker) {
	if tt != nil {
		tt.waits.Store(prev)
	}
}
