// Package redisq is [scope.Queue] across processes: a queue of items between
// producers and consumers on different machines, kept in a Redis stream read
// by one consumer group.
//
// It keeps the in-process queue's contract where a network allows it:
//
//   - [Queue.Put] adds an item (XADD), blocking while the queue is full;
//     [Queue.Get] takes the next one (XREADGROUP), blocking while it is empty.
//   - The item Get returns is marked done by its own [Item.Done] (XACK), not
//     by a bare TaskDone, so that no consumer can mark another's item done.
//   - [Queue.Join] waits until every item put, by any process, has been
//     marked done by some consumer, in any process.
//   - [Queue.Shutdown] and [Queue.ShutdownNow] leave a marker in Redis that
//     every process sees: Put fails with [ErrShutDown]; Get drains what is
//     left, then fails (Shutdown), or fails at once, the queued items dropped
//     (ShutdownNow).
//   - [Queue.All] is the consumer loop, each item marked done after the
//     loop's body.
//
// And it changes what a network forces it to change:
//
//   - Delivery is at least once. An item got and not marked done within the
//     visibility timeout ([WithVisibilityTimeout]) is given to another
//     consumer: a consumer that crashed loses nothing, but one that was only
//     slow has its item processed twice. Consumers must be idempotent.
//   - Every call can fail for reasons of its own (Redis unreachable, an
//     entry that does not decode): methods that talk to Redis return an
//     error, Len and Shutdown included.
//   - Blocked calls look again every poll interval ([WithPollInterval]), so
//     a shutdown is seen within about that interval. The Queues on one
//     *redis.Client let at most half its connection pool (PoolSize, or
//     MaxActiveConns if smaller; none of a pool of one) block in Redis at
//     once (on a cluster or ring client, each Queue half a node's pool); a
//     Get that finds no turn waits in line in the process, where its
//     context ends the wait at once, and looks again every poll interval
//     on a quarter of the pool; the first of them to see a shutdown tells
//     the others of its Queue, so that they learn of it within an interval
//     or two (two hundred on a pool of two did). A client's MaxActiveConns,
//     beyond which go-redis refuses a connection at once, is waited for
//     as its PoolSize is, for up to its PoolTimeout.
//
// Blocking calls take a context and, when it ends, return [context.Cause].
// The queue starts no goroutines; it does not own the client, which the
// caller closes. doc/distributed.md in the repository says when to move
// from scope.Queue to this package and how each method maps to Redis.
package redisq
