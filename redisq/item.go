package redisq

import (
	"context"
	"fmt"
	"sync/atomic"
)

// An Item is what [Queue.Get] returns: the value, and the stream entry it
// came from, which [Item.Done] acknowledges. Marking done through the item,
// not the queue (scope.Queue's TaskDone), is what lets Redis know which
// entry is finished.
type Item[T any] struct {
	Value T      // the item as put
	ID    string // the stream entry's id, such as 1700000000000-0

	q     *Queue[T]
	state atomic.Int32 // notDone, marking or done
}

const (
	notDone = iota
	marking // a Done is talking to Redis
	done
)

// Done marks the item processed (XACK, then XDEL: the stream keeps only the
// items not yet done); [Queue.Join] waits for it. Call it once, when the
// item's work is finished. If Redis fails, Done returns the error and the
// item stays unfinished: call Done again, or the item is given to another
// consumer after the visibility timeout. If the item was already given to
// another consumer and marked done there, Done returns nil: the item is
// done.
//
// It returns an error starting "redisq:" when called twice, concurrently,
// or on an Item that Get did not return.
func (it *Item[T]) Done(ctx context.Context) error {
	if it == nil || it.q == nil {
		return fmt.Errorf("redisq: Done on an Item that Get did not return; mark done the *Item from Get, GetBatch or TryGet")
	}
	if !it.state.CompareAndSwap(notDone, marking) {
		return fmt.Errorf("redisq: Done called twice on item %s of queue %q; call it once per item, and again only after it failed", it.ID, it.q.name)
	}
	q := it.q
	if _, err := q.run(ctx, ackScript, []string{q.stream}, group, it.ID); err != nil {
		it.state.Store(notDone)
		return q.fail(ctx, "marking item "+it.ID+" done in", err)
	}
	it.state.Store(done)
	return nil
}

// String prints the item's entry id and value, for logs.
func (it *Item[T]) String() string { return fmt.Sprintf("%s:%v", it.ID, it.Value) }
