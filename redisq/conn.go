package redisq

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// A client whose MaxActiveConns is set refuses a connection beyond it at
// once, with redis.ErrPoolExhausted, where under PoolSize alone it waits
// for one (up to its PoolTimeout), as go-redis's own doc of
// MaxActiveConns says it would. A call refused so never reached Redis, so
// redisq makes it again: its calls wait for a connection under either
// bound. On MaxActiveConns 2, with two Gets on one queue and Puts one at a
// time on another, 1,712 of 2,000 Puts failed so, and Gets too
// (TestAFullPoolIsWaitedFor).

// A connWait paces the attempts of one call that go-redis refused a
// connection.
type connWait struct{ waited time.Duration }

// again reports whether to make a call that failed with err again: only
// when go-redis refused it a connection, and then after a wait (a
// millisecond, doubling up to a tenth of the poll interval), for as long
// in all as the client's PoolTimeout, which is how long the pool would
// have waited for one. It gives up at once when the caller's context ends
// (see callerOf); the caller then returns its cause.
func (q *Queue[T]) again(ctx context.Context, err error, w *connWait) bool {
	if !errors.Is(err, redis.ErrPoolExhausted) || w.waited >= q.poolTimeout {
		return false
	}
	d := min(max(w.waited, time.Millisecond), max(q.poll/10, time.Millisecond))
	w.waited += d
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-callerOf(ctx).Done():
		return false
	}
}

// callerKey holds, in the context a Get or Put calls Redis with, the
// caller's own context, whose cancellation that context hides from
// go-redis (see get): again waits on the caller's.
type callerKey struct{}

// hideCancel returns a context with ctx's values but not its
// cancellation, for a call to Redis that must not be cut short (see get),
// which again still ends when ctx does.
func hideCancel(ctx context.Context) context.Context {
	return context.WithValue(context.WithoutCancel(ctx), callerKey{}, ctx)
}

// callerOf returns the context of the caller that ctx, from hideCancel,
// hides; or ctx itself.
func callerOf(ctx context.Context) context.Context {
	if c, ok := ctx.Value(callerKey{}).(context.Context); ok {
		return c
	}
	return ctx
}
