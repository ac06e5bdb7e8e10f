package redisq

import (
	"runtime"
	"slices"
	"sync"
	"time"
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
// (TestManyBlockedGetsSeeTheirContextEnd). A Get that finds no turn waits
// in line in the process instead, where its context ends the wait at once,
// looking for items every poll interval on one of a few look turns (see
// look); half the pool stays free for the short calls: Put, Done, the
// looks.
//
// A gate holds no channel: one client's Queues share it, perhaps across
// testing/synctest bubbles, and a channel belongs to the bubble that made
// it (a send on it from outside kills the process: a Queue opened outside
// a bubble, on a client first opened in one, did). So a turn given back is
// handed to the first Get in line, which finds it at its next check, on a
// ticker of its own (see waitTurn). A Get in line that looked every poll
// interval on no turn took the free half of the pool: a Put beside eighty
// such Gets, at 1 ms a write, waited 132 ms, not 3; one that never looked
// learned of a shutdown, or of an item on its queue, only in its turn,
// seconds later behind a client's other Queues.
type gate struct {
	mu    sync.Mutex
	free  int       // turns not taken
	looks int       // look turns not taken: see look
	line  []*waiter // Gets waiting for a turn, first come first
}

// A waiter is a Get in a gate's line.
type waiter struct{ granted bool } // guarded by the gate's mu

// gates holds the gate of each *redis.Client given to Open, which every
// Queue on that client shares: the pool a gate guards is the client's, and
// with a gate each, twenty Queues on a pool of two let twenty Gets block in
// it (TestQueuesOnOneClientShareItsPool). An entry goes once its client
// is collected. A clone of a client (its WithTimeout) shares its pool but
// is another client, with a gate of its own.
var gates sync.Map // weak.Pointer[redis.Client] → *gate

// newGate returns the gate for rdb: half of its pool, shared with the
// other Queues on rdb if it is a *redis.Client. A cluster or a ring pools
// per node, and a Queue's keys live on one node, so there each Queue has a
// gate of its own, as has a client redisq does not know. A pool of one
// has no turn to block in Redis, whose only connection a blocked Get
// would hold for a poll interval while a Put waited or failed for it
// (TestAPoolOfOneIsNeverBlockedIn): its Gets wait in line, looking every
// poll interval on its one look turn.
func newGate(rdb redis.UniversalClient) *gate {
	pool := poolSize(rdb)
	g := &gate{free: pool / 2, looks: max(1, pool/4)}
	c, ok := rdb.(*redis.Client)
	if !ok {
		return g
	}
	key := weak.Make(c)
	shared, loaded := gates.LoadOrStore(key, g)
	if !loaded {
		runtime.AddCleanup(c, func(key weak.Pointer[redis.Client]) { gates.Delete(key) }, key)
	}
	return shared.(*gate)
}

// poolSize returns how many connections rdb may hold at once (per node,
// for a cluster or a ring): its PoolSize, or its MaxActiveConns if that is
// smaller, for go-redis refuses a connection beyond MaxActiveConns at once
// (ErrPoolExhausted), whatever the PoolSize (a gate of half of PoolSize 10
// let two blocked Gets take MaxActiveConns 2, and a Put failed:
// TestMaxActiveConnsBoundsTheGate).
func poolSize(rdb redis.UniversalClient) int {
	p := poolOf(rdb)
	if p.active > 0 {
		return min(p.size, p.active)
	}
	return p.size
}

// A pool is what redisq reads of a client's connection pool.
type pool struct {
	size, active int           // PoolSize and MaxActiveConns (0: no bound)
	timeout      time.Duration // PoolTimeout: how long a call waits for a connection
}

// poolOf returns rdb's pool, per node for a cluster or a ring; for a
// client redisq does not know, go-redis's defaults: 10 connections per
// processor, waited for up to four seconds.
func poolOf(rdb redis.UniversalClient) pool {
	var p pool
	switch c := rdb.(type) {
	case *redis.Client:
		o := c.Options()
		p = pool{o.PoolSize, o.MaxActiveConns, o.PoolTimeout}
	case *redis.ClusterClient:
		o := c.Options()
		p = pool{o.PoolSize, o.MaxActiveConns, o.PoolTimeout}
	case *redis.Ring:
		o := c.Options()
		p = pool{o.PoolSize, o.MaxActiveConns, o.PoolTimeout}
	}
	if p.size <= 0 {
		p.size = 10 * runtime.GOMAXPROCS(0)
	}
	if p.timeout <= 0 {
		p.timeout = 4 * time.Second
	}
	return p
}

// enter takes a turn to block in Redis if one is free and no Get waits
// for one, and reports whether it did; if not, w is in line.
func (g *gate) enter(w *waiter) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.free > 0 && len(g.line) == 0 {
		g.free--
		return true
	}
	g.line = append(g.line, w)
	return false
}

// granted reports whether w, in line, has been handed a turn.
func (g *gate) granted(w *waiter) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return w.granted
}

// quit takes w out of line; if it was handed a turn meanwhile, it passes
// the turn on.
func (g *gate) quit(w *waiter) {
	g.mu.Lock()
	if w.granted {
		g.mu.Unlock()
		g.leave()
		return
	}
	g.line = slices.DeleteFunc(g.line, func(x *waiter) bool { return x == w })
	g.mu.Unlock()
}

// look takes a look turn, if one is free, and reports whether it did. A Get
// in line looks for items, and for a shutdown, every poll interval, but on
// one of a quarter of the pool's connections: a look each, eighty Gets in
// line took the free half (see gate).
func (g *gate) look() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.looks == 0 {
		return false
	}
	g.looks--
	return true
}

// looked gives the look turn back.
func (g *gate) looked() {
	g.mu.Lock()
	g.looks++
	g.mu.Unlock()
}

// leave gives the turn back: to the first Get in line, or to the gate.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.line) == 0 {
		g.free++
		return
	}
	g.line[0].granted = true
	g.line = g.line[1:]
}
