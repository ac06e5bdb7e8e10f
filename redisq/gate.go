package redisq

import (
	"context"
	"runtime"
	"sync"
	"weak"

	"github.com/redis/go-redis/v9"
)

// A gate bounds how many Gets block in Redis at once on one client
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

// gates holds the gate of each *redis.Client given to Open, which every
// Queue on that client shares: the pool a gate guards is the client's, and
// with a gate each, twenty Queues on a pool of two let twenty Gets block in
// it (TestQueuesOnOneClientShareItsPool). An entry goes once its client
// is collected.
var gates sync.Map // weak.Pointer[redis.Client] → gate

// newGate returns the gate for rdb: half of its pool, shared with the
// other Queues on rdb if it is a *redis.Client. A cluster or a ring pools
// per node, and a Queue's keys live on one node, so there each Queue has a
// gate of its own, as has a client redisq does not know.
func newGate(rdb redis.UniversalClient) gate {
	turns := max(1, poolSize(rdb)/2)
	c, ok := rdb.(*redis.Client)
	if !ok {
		return make(gate, turns)
	}
	key := weak.Make(c)
	if g, ok := gates.Load(key); ok {
		return g.(gate)
	}
	g, loaded := gates.LoadOrStore(key, make(gate, turns))
	if !loaded {
		runtime.AddCleanup(c, func(key weak.Pointer[redis.Client]) { gates.Delete(key) }, key)
	}
	return g.(gate)
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
