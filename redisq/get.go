package redisq

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Get removes and returns the next item, blocking while the queue is empty;
// mark it done with [Item.Done] once processed. Items abandoned by a
// consumer (not done within the visibility timeout) come back through Get
// too, possibly before newer ones.
//
// Once the queue is shut down ([Queue.Shutdown]) Get returns what is left,
// then [ErrShutDown] when every item is done: while an item got (here or
// elsewhere) is unfinished, Get waits, for it comes back if its consumer
// dies or abandons it; a consumer that calls Get holding an item it has
// not marked done gets that item back after the visibility timeout. After
// [Queue.ShutdownNow] Get fails at once. It returns context.Cause(ctx) if
// ctx ends first; then no item was taken. If the connection breaks after
// Redis took an item but before its reply arrived, that item stays pending
// on this consumer until the visibility timeout gives it back; go-redis's
// own retry then takes the next item instead, or, with retries off, Get
// returns the error (see doc/distributed.md, "A lost reply"). An entry
// that does not decode
// gives a [*MalformedError]; the next Get goes on with the items after it.
func (q *Queue[T]) Get(ctx context.Context) (*Item[T], error) {
	items, err := q.get(ctx, 1, true)
	if err != nil {
		return nil, err
	}
	return items[0], nil
}

// TryGet removes and returns the next item if there is one, without
// blocking: a new one, or one abandoned by its consumer (it always looks
// for those). It returns [ErrEmpty] when there is none to get now,
// [ErrShutDown] when Get would.
func (q *Queue[T]) TryGet(ctx context.Context) (*Item[T], error) {
	items, err := q.get(ctx, 1, false)
	if err != nil {
		return nil, err
	}
	return items[0], nil
}

// GetBatch removes and returns up to max items in one round trip, blocking
// until there is at least one; each is marked done on its own. Its errors
// are Get's, with one difference: if some entries do not decode, it returns
// the items that do together with the [*MalformedError]s (joined), so that
// nothing is left unprocessed. It panics if max < 1.
func (q *Queue[T]) GetBatch(ctx context.Context, max int) ([]*Item[T], error) {
	if max < 1 {
		panic("redisq: GetBatch with max < 1; pass how many items to take at most")
	}
	return q.get(ctx, max, true)
}

// get takes up to n items, or, if block, waits for one. Redis is called
// with ctx's values but not its cancellation: a call cut short by ctx could
// leave an item delivered to this consumer that no one knows of, stuck until
// the visibility timeout. Calls are short instead (the poll interval), and
// ctx is checked between them; an item taken as ctx ends is returned, as
// scope.Queue hands over an item even if ctx ends at that very moment.
func (q *Queue[T]) get(ctx context.Context, n int, block bool) ([]*Item[T], error) {
	q.check(ctx)
	began := q.gets.Add(1)
	uncancelled := hideCancel(ctx)
	var line *waiter // this Get's place in the gate's line, kept between its looks
	defer func() {
		if line != nil {
			q.blocking.quit(line)
		}
	}()
	for {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if q.shutFor(began) {
			return nil, ErrShutDown
		}
		before := q.gets.Load()
		// TryGet always looks for abandoned items: "none now" must hold.
		res, looked, err := q.look(uncancelled, n, !block, line != nil)
		if err != nil {
			return nil, q.fail(ctx, "getting from", err)
		}
		switch status(res) {
		case "new", "claimed":
			if entries := entriesOf(res); len(entries) > 0 { // none: as "empty", whatever a server replied
				return q.decode(uncancelled, entries)
			}
		case "now", "shut":
			q.sawShut(before)
			return nil, ErrShutDown
		}
		if !block && looked {
			return nil, ErrEmpty
		}
		turn, err := q.waitTurn(ctx, &line, looked, began)
		if err != nil {
			return nil, q.fail(ctx, "waiting for an item of", err)
		}
		if !turn {
			continue // a poll interval in line: look again
		}
		entries, err := q.awaitTurn(uncancelled, n)
		if err != nil {
			return nil, q.fail(ctx, "waiting for an item of", err)
		}
		if len(entries) > 0 {
			return q.decode(uncancelled, entries)
		}
	}
}

// look takes up to n items without blocking (take), and reports whether it
// looked: a Get in the gate's line looks only on a look turn (see gate),
// and, with none free, not this time.
func (q *Queue[T]) look(ctx context.Context, n int, all, inLine bool) (res any, looked bool, err error) {
	if inLine {
		if !q.blocking.look() {
			return nil, false, nil
		}
		defer q.blocking.looked() // also if a hook of the client panics
	}
	res, err = q.take(ctx, n, all)
	return res, true, err
}

// waitTurn takes a turn of the gate to block in Redis, or waits in line
// for one, for up to a poll interval, checking every tenth of it, or every
// millisecond under 10 ms (a turn handed over stands idle until then). It reports whether it has a turn;
// without one, the Get keeps its place in line, *line, and looks again:
// after a poll interval if it looked, or a tenth of one if it found no
// look turn (the Gets that joined the line together wait in step, and
// would otherwise find the look turns taken by one of them every time:
// twenty on a pool of two, at a 200 ms poll, saw a shutdown after 2.1 s).
// When ctx ends it returns ctx's cause, and get leaves the line, passing on
// a turn handed to it meanwhile.
func (q *Queue[T]) waitTurn(ctx context.Context, line **waiter, looked bool, began int64) (bool, error) {
	if *line == nil {
		w := new(waiter)
		if q.blocking.enter(w) {
			return true, nil
		}
		*line = w
	}
	every := max(q.poll/10, time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	checks := max(1, int(q.poll/every)) // a poll interval's worth: 10, or fewer under 10 ms
	if !looked {
		checks = 1
	}
	for range checks {
		select {
		case <-tick.C:
			if ctx.Err() == nil && q.blocking.granted(*line) {
				*line = nil
				return true, nil
			}
			if q.shutFor(began) { // another Get saw a shutdown: see shutFor
				return false, nil
			}
		case <-ctx.Done():
			return false, context.Cause(ctx)
		}
	}
	return false, nil
}

// awaitTurn blocks in Redis (await) on a turn of the gate, and gives the
// turn back however await ends; it is given ctx's values alone (see get).
func (q *Queue[T]) awaitTurn(uncancelled context.Context, n int) ([]entry, error) {
	defer q.blocking.leave() // also if a hook of the client panics: a lost turn is lost for good
	return q.await(uncancelled, n)
}

// await blocks in Redis, for at most the poll interval, until new entries
// come (XREADGROUP BLOCK). It returns none if none came.
func (q *Queue[T]) await(ctx context.Context, n int) ([]entry, error) {
	args := &redis.XReadGroupArgs{
		Group: group, Consumer: q.consumer, Streams: []string{q.stream, ">"},
		Count: int64(n), Block: max(q.poll, time.Millisecond), // Block 0 would block forever
	}
	var w connWait
	streams, err := q.rdb.XReadGroup(ctx, args).Result()
	for q.again(ctx, err, &w) {
		streams, err = q.rdb.XReadGroup(ctx, args).Result()
	}
	if isNoGroup(err) {
		if err := q.createGroup(ctx); err != nil {
			return nil, err
		}
		streams, err = q.rdb.XReadGroup(ctx, args).Result()
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var entries []entry
	for _, s := range streams {
		for _, m := range s.Messages {
			v, ok := m.Values["v"].(string)
			entries = append(entries, entry{id: m.ID, payload: v, ok: ok})
		}
	}
	return entries, nil
}

// shutFor reports whether the Get numbered began may report ErrShutDown
// without looking: another Get of this Queue, or its ShutdownNow, saw the
// queue shut down while it was waiting, and a queue once shut down stays
// so. Gets in line look on a few look turns, one at a time: two hundred
// on a pool of two learned of a shutdown one look after another, the
// last six to ten poll intervals late, and within one or two now
// (TestGetsInLineLearnOfAShutdownFromOne).
func (q *Queue[T]) shutFor(began int64) bool {
	return began <= q.shutSeen.Load()
}

// sawShut records that the queue was seen shut down by a look that began
// once the Gets up to the number before had begun: those Gets, still
// waiting, were waiting when the look saw it.
func (q *Queue[T]) sawShut(before int64) {
	for {
		seen := q.shutSeen.Load()
		if before <= seen || q.shutSeen.CompareAndSwap(seen, before) {
			return
		}
	}
}
