package redisq

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A client with MaxActiveConns refuses a connection beyond it at once;
// redisq's calls wait for one instead, as they do under PoolSize. On
// MaxActiveConns 2, two Gets on one queue, which look every millisecond
// and call Get again at once, and Puts one at a time on another: each Put
// and each Get that met the others on the two connections failed with
// "connection pool exhausted" (1,712 of 2,000 Puts).
func TestAFullPoolIsWaitedFor(t *testing.T) {
	rdb := newClient(t, redis.Options{PoolSize: 10, MaxActiveConns: 2})
	bg := context.Background()
	q := openInts(t, rdb, t.Name(), WithPollInterval(time.Millisecond))
	other := openInts(t, rdb, t.Name()+".puts")
	ctx, stop := context.WithCancel(bg)
	var wg sync.WaitGroup
	var getFailed atomic.Pointer[error]
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := q.Get(ctx); err != nil && ctx.Err() == nil {
					getFailed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	for atGate(q.blocking, 1) < 2 {
		runtime.Gosched() // one Get has the turn, the other waits in line
	}
	const puts = 2000
	failed := 0
	var first error
	for range puts {
		if err := other.Put(bg, 1); err != nil {
			failed++
			first = err
		}
	}
	stop()
	wg.Wait()
	if failed > 0 {
		t.Errorf("%d of %d Puts failed, the last with %v; want none", failed, puts, first)
	}
	if err := getFailed.Load(); err != nil {
		t.Errorf("a Get failed with %v; want none", *err)
	}
}

// A call waiting for a connection under MaxActiveConns gives up when its
// context ends, with the context's cause, and otherwise after the pool's
// PoolTimeout, with go-redis's error, as a call under PoolSize does.
func TestAWaitForAConnectionEnds(t *testing.T) {
	rdb := newClient(t, redis.Options{MaxActiveConns: 1, PoolTimeout: 200 * time.Millisecond})
	bg := context.Background()
	q := openInts(t, rdb, t.Name())
	held := rdb.Conn() // takes the one connection until closed
	if err := held.Ping(bg).Err(); err != nil {
		t.Fatalf("Ping = %v", err)
	}
	defer held.Close()
	ctx, cancel := context.WithTimeoutCause(bg, 50*time.Millisecond, errGaveUp)
	defer cancel()
	if err := q.Put(ctx, 1); err != errGaveUp {
		t.Errorf("Put with a context that ends = %v; want its cause", err)
	}
	ctx, cancel = context.WithTimeoutCause(bg, 50*time.Millisecond, errGaveUp)
	defer cancel()
	if _, err := q.Get(ctx); err != errGaveUp {
		t.Errorf("Get with a context that ends = %v; want its cause", err)
	}
	start := time.Now()
	err := q.Put(bg, 1)
	if !errors.Is(err, redis.ErrPoolExhausted) || time.Since(start) < 200*time.Millisecond {
		t.Errorf("Put = %v after %v; want the pool's error after its PoolTimeout, 200ms", err, time.Since(start))
	}
}

var errGaveUp = errors.New("gave up")
