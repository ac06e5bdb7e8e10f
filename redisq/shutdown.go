package redisq

import "context"

// Shutdown shuts the queue down for every process, as Python 3.13's
// Queue.shutdown: it sets the marker key in Redis, which every Put and Get
// of every process checks. Put then fails with [ErrShutDown], blocked Puts
// too (within the poll interval); Get returns what is left, then fails with
// ErrShutDown once every item is done. A second call does nothing; after
// [Queue.ShutdownNow] it does nothing either. The marker stays until
// [Queue.Delete]: a queue, once shut down, stays shut down, as in scope.
func (q *Queue[T]) Shutdown(ctx context.Context) error {
	q.check(ctx)
	if _, err := q.run(ctx, shutdownScript, []string{q.marker}); err != nil {
		return q.fail(ctx, "shutting down", err)
	}
	return nil
}

// ShutdownNow shuts the queue down, as Shutdown does, and drops the items
// not yet got (shutdown(immediate=True)), in one step: no Put slips in
// between. Every Get then fails with [ErrShutDown] at once, blocked ones
// within about the poll interval (see the package doc for many Gets on a
// small pool). Items already got but not yet done still hold
// Join back until their Done; an item whose consumer died is not given to
// another consumer any more, so Join waits for it in vain: give Join a
// context with a deadline after ShutdownNow. It may follow Shutdown.
func (q *Queue[T]) ShutdownNow(ctx context.Context) error {
	q.check(ctx)
	before := q.gets.Load()
	if _, err := q.run(ctx, shutdownNowScript, []string{q.stream, q.marker}, group); err != nil {
		return q.fail(ctx, "shutting down", err)
	}
	q.sawShut(before) // this Queue's Gets waiting meanwhile need not look
	return nil
}

// Delete removes every key of the queue from Redis: its items, done or not,
// its group, its shutdown marker and its malformed entries. The name is
// then free for a new queue; a Queue of the name still open in any process
// recreates the group at its next call, for a queue that is not shut down.
// It is for tests and for starting over, not for a queue in use.
func (q *Queue[T]) Delete(ctx context.Context) error {
	q.check(ctx)
	var w connWait
	err := q.rdb.Del(ctx, q.stream, q.marker, q.malformed).Err()
	for q.again(ctx, err, &w) {
		err = q.rdb.Del(ctx, q.stream, q.marker, q.malformed).Err()
	}
	if err != nil {
		return q.fail(ctx, "deleting", err)
	}
	return nil
}
