package redisq

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// An Item is what [Queue.Get] returns: the value, and the stream entry it
// came from, which [Item.Done] acknowledges. Marking done through the item,
// not the queue (scope.Queue's TaskDone), is what lets Redis know which
// entry is finished.
type Item[T any] struct {
	Value T      // the item as put
	ID    string // the stream entry's id, such as 1700000000000-0; Done acknowledges the entry Get took, whatever ID is set to

	id    string // the entry Get took, which Done acknowledges
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
	needContext(ctx)
	if it == nil || it.q == nil {
		return errors.New("redisq: Done on an Item that Get did not return; mark done the *Item from Get, GetBatch or TryGet")
	}
	return it.q.DoneBatch(ctx, []*Item[T]{it})
}

// DoneBatch marks items done in one round trip: [Item.Done] for many, all
// or none. Its errors are Done's; it also fails, marking nothing, if an
// item came from another Queue.
func (q *Queue[T]) DoneBatch(ctx context.Context, items []*Item[T]) error {
	q.check(ctx)
	args := make([]any, 0, 1+len(items))
	args = append(args, group)
	for i, it := range items {
		if err := q.startMarking(it); err != nil {
			for _, it := range items[:i] {
				it.state.Store(notDone)
			}
			return err
		}
		args = append(args, it.id)
	}
	if len(items) == 0 {
		return nil
	}
	if _, err := q.run(ctx, ackScript, []string{q.stream}, args...); err != nil {
		for _, it := range items {
			it.state.Store(notDone)
		}
		return q.fail(ctx, fmt.Sprintf("marking %d items done in", len(items)), err)
	}
	for _, it := range items {
		it.state.Store(done)
	}
	return nil
}

// startMarking checks that it may be marked done by q, and claims the right
// to: two Dones of one item cannot both proceed.
func (q *Queue[T]) startMarking(it *Item[T]) error {
	if it == nil || it.q == nil {
		return errors.New("redisq: Done on an Item that Get did not return; mark done the *Item from Get, GetBatch or TryGet")
	}
	if it.q != q {
		if it.q.name == q.name {
			return fmt.Errorf("redisq: DoneBatch with item %s got through another Queue value of queue %q (Open was called twice); mark each item done on the Queue value that got it", it.id, q.name)
		}
		return fmt.Errorf("redisq: DoneBatch on queue %q with item %s of queue %q; mark each item done on the queue it came from", q.name, it.id, it.q.name)
	}
	if !it.state.CompareAndSwap(notDone, marking) {
		return fmt.Errorf("redisq: Done called twice on item %s of queue %q; call it once per item, and again only after it failed", it.id, q.name)
	}
	return nil
}

// String prints the item's entry id and value, for logs.
func (it *Item[T]) String() string {
	if it == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s:%v", it.ID, it.Value)
}
