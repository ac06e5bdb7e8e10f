package redisq

import (
	"context"
	"errors"
	"iter"
)

// All returns the consumer loop as an iterator: each item's value from Get,
// until the queue is shut down and drained, or ctx ends. It marks each item
// done after the loop's body has run, in a deferred call, so also when the
// body breaks out, panics or calls runtime.Goexit.
//
// Unlike scope.Queue's All, the loop can fail: Redis may be unreachable,
// an entry may not decode, marking an item done may fail. All then stops
// and sets *errp to the error; if *errp already holds one (the loop's body
// set it before it broke out, say, and then marking its item done failed),
// All joins the two with errors.Join rather than drop either. A shutdown
// or the end of ctx is not an error, and leaves *errp alone. The item
// whose Done failed comes back after the visibility timeout; a malformed
// entry was moved aside, so the loop can be started again. It panics if
// errp is nil.
//
//	var err error
//	for v := range q.All(ctx, &err) {
//		process(v)
//	}
//	if err != nil { ... }
func (q *Queue[T]) All(ctx context.Context, errp *error) iter.Seq[T] {
	q.check(ctx)
	if errp == nil {
		panic("redisq: All with a nil error pointer; pass &err, and check err after the loop")
	}
	return func(yield func(T) bool) {
		for {
			it, err := q.Get(ctx)
			if err != nil {
				if !errors.Is(err, ErrShutDown) && ctx.Err() == nil {
					keep(errp, err)
				}
				return
			}
			if !yieldDone(ctx, yield, it, errp) {
				return
			}
		}
	}
}

// yieldDone yields it's value, then marks it done, even if the body panics;
// it reports whether the loop goes on. Done uses ctx's values without its
// cancellation: an item processed as ctx ends is still marked done.
func yieldDone[T any](ctx context.Context, yield func(T) bool, it *Item[T], errp *error) (more bool) {
	defer func() {
		if err := it.Done(context.WithoutCancel(ctx)); err != nil {
			keep(errp, err)
			more = false
		}
	}()
	return yield(it.Value)
}

// keep sets *errp to err, or joins the two if *errp holds an error already.
func keep(errp *error, err error) {
	if *errp == nil {
		*errp = err
	} else {
		*errp = errors.Join(*errp, err)
	}
}
