package redisq

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Queue is a [scope.Queue] whose items live in a Redis stream, shared by
// every process that opens it under the same name. Each process opens its
// own Queue; the Queues of one name, in any process, are one queue: an item
// put by one is got by exactly one consumer at a time, in the order put,
// and [Queue.Join] in any of them waits for the items put by all.
//
// Make one with [Open]: unlike scope.Queue's, the zero Queue has no Redis
// to talk to, and its methods panic, but Cap and String, which answer
// without Redis. A Queue is safe for use by many
// goroutines. Its keys in Redis are
// redisq:{name} (the stream, read by the group "redisq"),
// redisq:{name}:shutdown (the marker) and redisq:{name}:malformed (entries
// that did not decode).
//
// [scope.Queue]: https://pkg.go.dev/github.com/structuredgo/scope#Queue
type Queue[T any] struct {
	rdb       redis.UniversalClient
	name      string
	stream    string // key of the stream of items not yet done
	marker    string // key of the shutdown marker: absent, "drain" or "now"
	malformed string // key of the stream entries that did not decode go to
	config
	blocking    *gate         // turns to block in Redis: see gate
	poolTimeout time.Duration // how long the client's pool waits for a connection: see again
	lastClaim   atomic.Int64  // unix nanoseconds of the last look for abandoned items; 0: look now
	gets        atomic.Int64  // Get calls begun, numbered from 1: see shutFor
	shutSeen    atomic.Int64  // the Gets begun up to this number may report ErrShutDown without looking
}

// group is the consumer group every Queue of a name reads with: one group,
// so that each item goes to one consumer.
const group = "redisq"

// Open returns the queue called name on rdb, creating its stream and
// consumer group if they do not exist yet; each process sharing the queue
// opens it with the same name and codec. The queue does not own rdb: close
// the client when done with the queue. It panics if rdb is nil (a nil
// *redis.Client too), or if name is empty or holds a brace: name goes into
// the keys' hash tag, {name}, which keeps them in one slot of a Redis
// Cluster, and a brace in it would end the tag early.
func Open[T any](ctx context.Context, rdb redis.UniversalClient, name string, opts ...Option) (*Queue[T], error) {
	needContext(ctx)
	if isNil(rdb) {
		panic("redisq: Open with a nil client; pass a client made by redis.NewClient or redis.NewUniversalClient")
	}
	if name == "" {
		panic("redisq: Open with an empty name; pass the name every process of the queue shares")
	}
	if strings.ContainsAny(name, "{}") {
		panic(fmt.Sprintf("redisq: Open with the name %q, which holds a brace; the name goes into the keys' hash tag {name}: pass one without { or }", name))
	}
	key := "redisq:{" + name + "}"
	q := &Queue[T]{
		rdb: rdb, name: name,
		stream: key, marker: key + ":shutdown", malformed: key + ":malformed",
		config: newConfig(opts), blocking: newGate(rdb), poolTimeout: poolOf(rdb).timeout,
	}
	if err := q.createGroup(ctx); err != nil {
		return nil, err
	}
	return q, nil
}

// isNil reports whether rdb is nil, or a nil pointer in the interface (a
// nil *redis.Client), which would fail only at its first command.
func isNil(rdb redis.UniversalClient) bool {
	if rdb == nil {
		return true
	}
	v := reflect.ValueOf(rdb)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// createGroup creates the stream and its group, reading from the first
// entry: entries put before any consumer came (or before Redis lost the
// group) are delivered too.
func (q *Queue[T]) createGroup(ctx context.Context) error {
	var w connWait
	err := q.rdb.XGroupCreateMkStream(ctx, q.stream, group, "0").Err()
	for q.again(ctx, err, &w) {
		err = q.rdb.XGroupCreateMkStream(ctx, q.stream, group, "0").Err()
	}
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return q.fail(ctx, "creating the consumer group of", err)
	}
	return nil
}

// run runs script, waiting for a connection if the pool has none to
// spare (see again); if Redis lost the group (it restarted without
// persistence, or the keys were deleted), it creates the group again and
// retries once.
func (q *Queue[T]) run(ctx context.Context, s *redis.Script, keys []string, args ...any) (any, error) {
	var w connWait
	v, err := s.Run(ctx, q.rdb, keys, args...).Result()
	for q.again(ctx, err, &w) {
		v, err = s.Run(ctx, q.rdb, keys, args...).Result()
	}
	if isNoGroup(err) {
		if err := q.createGroup(ctx); err != nil {
			return nil, err
		}
		v, err = s.Run(ctx, q.rdb, keys, args...).Result()
	}
	return v, err
}

// isNoGroup reports whether err says the group is gone: NOGROUP, or, for a
// read blocked while the stream was deleted (Delete, FLUSHALL, eviction),
// Redis 7's UNBLOCKED.
func isNoGroup(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "NOGROUP") || strings.HasPrefix(err.Error(), "UNBLOCKED"))
}

// fail wraps a Redis error with what the queue was doing; if ctx ended, it
// returns ctx's cause instead, which is what ended the call.
func (q *Queue[T]) fail(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return fmt.Errorf("redisq: %s queue %q: %w", doing, q.name, err)
}

// Put adds v, blocking while the queue is full. It returns [ErrShutDown]
// once the queue is shut down, by any process (also if that happens while it
// waits), and context.Cause(ctx) if ctx ends first; then nothing was added.
// A ctx that is already done fails at once. Any other error comes from
// encoding v or from Redis. If the connection breaks after Redis added the
// item but before its reply arrived, go-redis's own retry (MaxRetries in
// the client's options, 3 by default) adds it again and Put returns nil;
// with retries off, Put returns the error, the item is there, and putting
// it again delivers it twice (see doc/distributed.md, "A lost reply").
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	return q.PutBatch(ctx, []T{v})
}

// TryPut adds v if there is room, without blocking. It returns [ErrFull]
// when the queue is full, [ErrShutDown] once it is shut down.
func (q *Queue[T]) TryPut(ctx context.Context, v T) error {
	return q.put(ctx, []T{v}, false)
}

// PutBatch adds vs in one round trip, in order, all or none: it blocks
// until all of them fit. It is Put for many items; its errors are Put's.
// It returns an error, having added nothing, if the batch is larger than
// the queue's capacity.
func (q *Queue[T]) PutBatch(ctx context.Context, vs []T) error {
	return q.put(ctx, vs, true)
}

func (q *Queue[T]) put(ctx context.Context, vs []T, block bool) error {
	q.check(ctx)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if q.capacity > 0 && len(vs) > q.capacity {
		return fmt.Errorf("redisq: a batch of %d items cannot fit in queue %q of capacity %d; split it", len(vs), q.name, q.capacity)
	}
	args := make([]any, 0, 2+len(vs))
	args = append(args, group, q.capacity)
	for _, v := range vs {
		b, err := q.codec.Marshal(v)
		if err != nil {
			return fmt.Errorf("redisq: encoding an item for queue %q: %w", q.name, err)
		}
		args = append(args, b)
	}
	// As in get, Redis is called without ctx's cancellation, which could
	// cut a call short after Redis added the items: a Put that returns
	// ctx's cause must have added nothing.
	uncancelled := hideCancel(ctx)
	var tick *time.Ticker
	for {
		res, err := q.run(uncancelled, putScript, []string{q.stream, q.marker}, args...)
		if err != nil {
			return q.fail(ctx, "putting into", err)
		}
		switch status(res) {
		case "ok":
			return nil
		case "shut":
			return ErrShutDown
		}
		if !block {
			return ErrFull
		}
		if tick == nil {
			tick = time.NewTicker(q.poll)
			defer tick.Stop()
		}
		if err := q.pause(ctx, tick); err != nil {
			return err
		}
	}
}

// pause waits for the next tick or the end of ctx, whose cause it returns.
func (q *Queue[T]) pause(ctx context.Context, tick *time.Ticker) error {
	select {
	case <-tick.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// status is the first element of a script's reply, which says what it did.
func status(reply any) string {
	if r, ok := reply.([]any); ok && len(r) > 0 {
		s, _ := r[0].(string)
		return s
	}
	return ""
}

// Join blocks until every item put, by any process, has been marked done by
// some consumer (or dropped by [Queue.ShutdownNow]): until the stream is
// empty, for done items are deleted from it. It checks every poll interval.
// It returns context.Cause(ctx) if ctx ends first, or is already done, and
// the error of Redis if it cannot ask.
func (q *Queue[T]) Join(ctx context.Context) error {
	q.check(ctx)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	tick := time.NewTicker(q.poll)
	defer tick.Stop()
	for {
		var w connWait
		n, err := q.rdb.XLen(ctx, q.stream).Result()
		for q.again(ctx, err, &w) {
			n, err = q.rdb.XLen(ctx, q.stream).Result()
		}
		if err != nil {
			return q.fail(ctx, "counting the items of", err)
		}
		if n == 0 {
			return nil
		}
		if err := q.pause(ctx, tick); err != nil {
			return err
		}
	}
}

// Len returns the number of items in the queue: put and not yet got by any
// consumer. Items got and not yet done do not count, as in scope.Queue.
func (q *Queue[T]) Len(ctx context.Context) (int, error) {
	q.check(ctx)
	n, err := q.run(ctx, lenScript, []string{q.stream}, group)
	if err != nil {
		return 0, q.fail(ctx, "counting the items of", err)
	}
	i, ok := n.(int64)
	if !ok {
		return 0, fmt.Errorf("redisq: counting the items of queue %q: Redis replied %v, not a number", q.name, n)
	}
	return int(i), nil
}

// Cap returns how many items the queue holds at most, 0 if unbounded: the
// capacity this process opened it with ([WithCapacity]).
func (q *Queue[T]) Cap() int {
	if q == nil {
		panic("redisq: Cap on a nil *Queue; make one with Open")
	}
	return q.capacity
}

// String names the queue and this process's consumer, for logs.
func (q *Queue[T]) String() string {
	if q == nil {
		return "<nil>"
	}
	return fmt.Sprintf("redisq.Queue(%s as %s)", q.name, q.consumer)
}
