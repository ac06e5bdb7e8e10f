package redisq

import (
	"context"
	"runtime"

	"github.com/redis/go-redis/v9"
)

// A gate bounds how many of a Queue's calls block in Redis at once
// (XREADGROUP BLOCK, for up to the poll interval). Each holds one of the
// client's pooled connections meanwhile, and go-redis waits for a free
// connection without regard to the caller's context, which redisq hides
// from it (see get). Eighty blocked Gets on a pool of two made a Get whose
// context ended at 200 ms return after 4.2 s, at a 50 ms poll interval; an
// audit saw a Put beside forty of them on a pool of four wait 0.9 s
// (TestManyBlockedGetsSeeTheirContextEnd). At the gate a Get waits in the
// process, where its context ends the wait at once, and half the pool
// stays free for the short calls: Put, Done, the next Get's first look.
type gate chan struct{}

// newGate returns a gate for half of rdb's pool.
func newGate(rdb redis.UniversalClient) gate {
	return make(gate, max(1, poolSize(rdb)/2))
}

// poolSize returns how many connections rdb pools (per node, for a
// cluster): go-redis's default, 10 per processor, for a client it does not
// know.
func poolSize(rdb redis.UniversalClient) int {
	n := 0
	switch c := rdb.(type) {
	case *redis.Client:
		n = c.Options().PoolSize
	case *redis.ClusterClient:
		n = c.Options().PoolSize
	case *redis.Ring:
		n = c.Options().PoolSize
	}
	if n <= 0 {
		n = 10 * runtime.GOMAXPROCS(0)
	}
	return n
}

// enter waits for a turn to block in Redis, or for ctx to end: then it
// returns ctx's cause, and the caller does not block.
func (g gate) enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		if ctx.Err() != nil { // both were ready: the context's end comes first
			<-g
			return context.Cause(ctx)
		}
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// leave gives the turn back.
func (g gate) leave() { <-g }
