package redisq

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"weak"

	"github.com/redis/go-redis/v9"
	"github.com/structuredgo/scope/redisq/redisqtest"
)

// panicOnce is a client hook that panics the first time the client runs
// XREADGROUP: a Get's blocking call.
type panicOnce struct{ once sync.Once }

func (h *panicOnce) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *panicOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "xreadgroup") {
			h.once.Do(func() { panic("hook") })
		}
		return next(ctx, cmd)
	}
}
func (h *panicOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A Get whose blocking call panics (a hook of the client's, recovered by
// the caller) gives its turn at the gate back: a turn not given back is
// lost for good, and with a pool of two, the gate's only one. It was.
func TestAPanicInAGetGivesItsTurnBack(t *testing.T) {
	rdb := newClient(t, redis.Options{PoolSize: 2})
	rdb.AddHook(&panicOnce{})
	q := openInts(t, rdb, t.Name(), WithPollInterval(5*time.Millisecond))
	if q.blocking.free != 1 {
		t.Fatalf("the gate has %d turns for a pool of 2; want 1", q.blocking.free)
	}
	panicked := func() (r any) {
		defer func() { r = recover() }()
		q.Get(context.Background())
		return nil
	}()
	if panicked != "hook" {
		t.Fatalf("Get panicked with %v; want the hook's panic", panicked)
	}
	if n := 1 - q.blocking.free; n != 0 {
		t.Fatalf("%d turns of the gate still taken after the panic; want 0", n)
	}
}

// The Queues on one *redis.Client share one gate, of half its pool; another
// client has its own, and a client's entry goes once it is collected.
func TestAClientsQueuesShareItsGate(t *testing.T) {
	srv := redisqtest.Start(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 8})
	other := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 8})
	t.Cleanup(func() { rdb.Close(); other.Close() })
	a, errA := Open[int](ctx, rdb, t.Name()+".a")
	b, errB := Open[int](ctx, rdb, t.Name()+".b")
	c, errC := Open[int](ctx, other, t.Name()+".a")
	if errA != nil || errB != nil || errC != nil {
		t.Fatalf("Open = %v, %v, %v", errA, errB, errC)
	}
	if a.blocking != b.blocking || a.blocking.free != 4 {
		t.Errorf("two Queues on a client of 8 connections have gates of %d and %d turns, shared: %v; want one gate of 4", a.blocking.free, b.blocking.free, a.blocking == b.blocking)
	}
	if c.blocking == a.blocking {
		t.Errorf("Queues on two clients share a gate; want one gate per client")
	}
}

func TestAClientsGateGoesWithIt(t *testing.T) {
	srv := redisqtest.Start(t)
	var key weak.Pointer[redis.Client]
	func() {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
		defer rdb.Close()
		key = weak.Make(rdb)
		if _, err := Open[int](context.Background(), rdb, t.Name()); err != nil {
			t.Fatalf("Open = %v", err)
		}
	}()
	for range 100 {
		runtime.GC()
		if _, kept := gates.Load(key); !kept {
			return
		}
		runtime.Gosched()
	}
	t.Errorf("a client's gate is kept after the client was collected; want it gone with it")
}

// A gate is shared across a testing/synctest bubble's edge: a Queue opened
// outside, on a client whose first Queue was opened in a bubble, gets from
// it. A gate that was a channel, made in the bubble, killed the process at
// the first Get outside it.
func TestAGateServesBothSidesOfABubble(t *testing.T) {
	rdb := newClient(t, redis.Options{})
	synctest.Test(t, func(t *testing.T) {
		q, err := Open[int](context.Background(), rdb, t.Name()+".in")
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		if _, err := q.TryGet(context.Background()); err != ErrEmpty {
			t.Fatalf("TryGet = %v; want ErrEmpty", err)
		}
	})
	q := openInts(t, rdb, t.Name()+".out", WithPollInterval(5*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := q.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get on an empty queue = %v; want its context's end", err)
	}
}

// Gets waiting in line for a turn see a ShutdownNow of their Queue. They
// looked for it on the gate's look turns, and twenty that joined the line
// together waited in step, one of them taking the only look turn every
// time: the last saw the shutdown after about one poll interval per Get.
// They retried a missed look a tenth of an interval later, then (about
// three intervals for all), and the ShutdownNow tells them itself now (see
// TestGetsInLineLearnOfAShutdownFromOne for one made elsewhere).
func TestGetsInLineSeeAShutdown(t *testing.T) {
	const gets, poll = 20, 100 * time.Millisecond
	took := timeShutdown(t, gets, poll, func(q *Queue[int], _ *redis.Client) error {
		return q.ShutdownNow(context.Background())
	})
	if took > 8*poll {
		t.Errorf("the last of %d Gets saw ShutdownNow after %v; want within %v", gets, took, 8*poll)
	}
}

// A Get in line that sees a shutdown tells the others of its Queue, which
// need not look for it themselves: two hundred Gets on a pool of two,
// whose one look turn let them look one after another, learned of a
// ShutdownNow made by another process (here, another client) the last
// six to ten poll intervals late, and learn of it within one or two now.
func TestGetsInLineLearnOfAShutdownFromOne(t *testing.T) {
	const gets, poll = 200, 100 * time.Millisecond
	took := timeShutdown(t, gets, poll, func(q *Queue[int], elsewhere *redis.Client) error {
		other, err := Open[int](context.Background(), elsewhere, q.name)
		if err != nil {
			return err
		}
		return other.ShutdownNow(context.Background())
	})
	if took > 5*poll {
		t.Errorf("the last of %d Gets saw ShutdownNow after %v; want within %v", gets, took, 5*poll)
	}
}

// timeShutdown starts gets Gets on a queue of a client with a pool of two,
// whose poll interval is poll, and once all but one wait in line for a
// turn, shuts the queue down with shut, given the queue and a client of
// its own. It checks that every Get fails with ErrShutDown, and returns
// how long after shut began the last one returned.
func timeShutdown(t *testing.T, gets int, poll time.Duration, shut func(q *Queue[int], elsewhere *redis.Client) error) time.Duration {
	t.Helper()
	srv := redisqtest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 2})
	t.Cleanup(func() { rdb.Close() })
	bg := context.Background()
	q := openInts(t, rdb, t.Name(), WithPollInterval(poll))
	var wg sync.WaitGroup
	errs := make(chan error, gets)
	for range gets {
		wg.Go(func() {
			_, err := q.Get(bg)
			errs <- err
		})
	}
	for lineLen(q.blocking) < gets-1 {
		runtime.Gosched() // until all but the one with the turn wait in line
	}
	start := time.Now()
	if err := shut(q, srv.Client(t)); err != nil {
		t.Fatalf("shutting down: %v", err)
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrShutDown) {
			t.Errorf("Get = %v; want ErrShutDown", err)
		}
	}
	return took
}

// lineLen counts the Gets waiting in g's line.
func lineLen(g *gate) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.line)
}

// A Get waiting in line for a turn to block in Redis gets its item: twenty
// Gets looping on another queue of the client, whose pool gives one turn,
// do not keep it from it. The Get starts once the twenty hold the turn or
// wait for it, so it finds the line, and the item is put once it is in it.
func TestAGetInLineForATurnIsServed(t *testing.T) {
	rdb := newClient(t, redis.Options{PoolSize: 2})
	bg := context.Background()
	busy, errB := Open[int](bg, rdb, t.Name()+".busy", WithPollInterval(20*time.Millisecond))
	other, errO := Open[int](bg, rdb, t.Name()+".other", WithPollInterval(20*time.Millisecond))
	if errB != nil || errO != nil {
		t.Fatalf("Open = %v, %v", errB, errO)
	}
	ctx, stop := context.WithCancel(bg)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for ctx.Err() == nil {
				busy.Get(ctx)
			}
		})
	}
	for atGate(other.blocking, 1) < 20 {
		runtime.Gosched()
	}
	got := make(chan error, 1)
	go func() {
		getCtx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		_, err := other.Get(getCtx)
		got <- err
	}()
	for atGate(other.blocking, 1) < 21 {
		runtime.Gosched() // other's Get is past its first look, in line
	}
	if err := other.Put(bg, 7); err != nil {
		t.Fatalf("Put = %v", err)
	}
	err := <-got
	stop()
	wg.Wait()
	if err != nil {
		t.Fatalf("Get beside twenty looping on another queue = %v; want the item", err)
	}
}

// atGate counts the Gets that hold one of g's turns, of which it has
// turns, or wait in its line for one.
func atGate(g *gate, turns int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.line) + turns - g.free
}

// A client whose MaxActiveConns is below its PoolSize holds no more
// connections than that: go-redis refuses one more at once ("connection
// pool exhausted"). So the gate is half of MaxActiveConns, and two Gets
// leave a connection for a Put. It was half of PoolSize: two Gets blocked
// in Redis held both connections, and the Put failed.
func TestMaxActiveConnsBoundsTheGate(t *testing.T) {
	rdb := newClient(t, redis.Options{PoolSize: 10, MaxActiveConns: 2})
	bg := context.Background()
	q := openInts(t, rdb, t.Name(), WithPollInterval(time.Second))
	if q.blocking.free != 1 {
		t.Fatalf("the gate has %d turns for MaxActiveConns 2; want 1", q.blocking.free)
	}
	ctx, stop := context.WithCancel(bg)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { q.Get(ctx) })
	}
	for atGate(q.blocking, 1) < 2 {
		runtime.Gosched() // one Get has the turn, the other waits in line, a poll interval from its next look
	}
	err := q.Put(bg, 1)
	stop()
	wg.Wait()
	if err != nil {
		t.Fatalf("Put beside two Gets = %v; want nil", err)
	}
}

// A client with one connection has no turn to block in Redis: a Get
// blocked there would hold the connection for a poll interval, and a Put
// beside it would wait that long for it, or fail after the pool's
// timeout. Its Gets wait in line, looking every poll interval: a Put
// beside one goes through at once, and the Get gets the item.
func TestAPoolOfOneIsNeverBlockedIn(t *testing.T) {
	rdb := newClient(t, redis.Options{PoolSize: 1, PoolTimeout: 100 * time.Millisecond})
	bg := context.Background()
	q := openInts(t, rdb, t.Name(), WithPollInterval(time.Second))
	if q.blocking.free != 0 {
		t.Fatalf("the gate has %d turns for a pool of 1; want 0", q.blocking.free)
	}
	type got struct {
		it  *Item[int]
		err error
	}
	ch := make(chan got, 1)
	go func() {
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		it, err := q.Get(ctx)
		ch <- got{it, err}
	}()
	for atGate(q.blocking, 0) < 1 {
		runtime.Gosched() // the Get has looked once and waits in line
	}
	if err := q.Put(bg, 7); err != nil {
		t.Fatalf("Put beside a Get = %v; want nil", err)
	}
	g := <-ch
	if g.err != nil || g.it.Value != 7 {
		t.Fatalf("Get = %v, %v; want the item put", g.it, g.err)
	}
}

// A look for abandoned items is due at once when the clock went back
// since the last one: a wall clock stepped back, or a Queue used in a
// testing/synctest bubble after outside it. Until the clock caught up with
// the last look, none was due, and an abandoned item stayed abandoned.
func TestALookIsDueOnceTheClockWentBack(t *testing.T) {
	q := &Queue[int]{}
	q.visibility = time.Minute
	q.lastClaim.Store(time.Now().Add(time.Hour).UnixNano()) // the last look, an hour ahead of the clock now
	if !q.claimDue() {
		t.Fatal("no look due after the clock went back an hour")
	}
	if q.claimDue() {
		t.Fatal("a second look due at once; want the next a quarter of the visibility timeout later")
	}
}

// newClient returns a client with options o on a redis-server of its own,
// closed when the test ends.
func newClient(t *testing.T, o redis.Options) *redis.Client {
	o.Addr = redisqtest.Start(t).Addr
	rdb := redis.NewClient(&o)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// openInts opens the queue name on rdb, failing the test if it cannot.
func openInts(t *testing.T, rdb *redis.Client, name string, opts ...Option) *Queue[int] {
	t.Helper()
	q, err := Open[int](context.Background(), rdb, name, opts...)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	return q
}
