package redisq_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/structuredgo/scope/redisq"
)

// rawEntry makes the XAddArgs of an entry written by some other program,
// with field v, or with no such field if v is "".
func rawEntry(stream, v string) *redis.XAddArgs {
	if v == "" {
		return &redis.XAddArgs{Stream: stream, Values: []string{"other", "field"}}
	}
	return &redis.XAddArgs{Stream: stream, Values: []string{"v", v}}
}

// A consumer that never marks its item done loses nothing: after the
// visibility timeout the item goes to another consumer, and its own late
// Done is harmless.
func TestConsumerThatNeverAcks(t *testing.T) {
	_, rdb := server(t)
	lazy, busy := open[string](t, rdb), open[string](t, rdb, soon)
	ctx := context.Background()
	if err := lazy.Put(ctx, "x"); err != nil {
		t.Fatalf("Put = %v", err)
	}
	first, err := lazy.Get(ctx)
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	start := time.Now()
	again, err := busy.Get(within(t, 10*time.Second))
	if err != nil || again.ID != first.ID || again.Value != "x" {
		t.Fatalf("Get by another consumer = %v, %v; want entry %s again", again, err, first.ID)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Fatalf("item came back after %v; want no sooner than the visibility timeout, 300ms", waited)
	}
	if err := again.Done(ctx); err != nil {
		t.Fatalf("Done = %v", err)
	}
	if err := first.Done(ctx); err != nil {
		t.Fatalf("late Done by the first consumer = %v; want nil (the item is done)", err)
	}
	if err := busy.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
}

// Malformed entries (a payload that does not decode, an entry without the
// field) give a clear error each, are moved aside with their reason, and
// lose nothing else.
func TestMalformedEntries(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := context.Background()
	stream := "redisq:{" + t.Name() + "}"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(q.Put(ctx, 1))
	must(rdb.XAdd(ctx, rawEntry(stream, `"a string"`)).Err())
	must(q.Put(ctx, 2))
	must(rdb.XAdd(ctx, rawEntry(stream, "")).Err())
	must(q.Put(ctx, 3))

	var got []int
	var malformed []*redisq.MalformedError
	for len(got)+len(malformed) < 5 {
		it, err := q.Get(ctx)
		var me *redisq.MalformedError
		switch {
		case errors.As(err, &me):
			if !errors.Is(err, redisq.ErrMalformed) || err.Error()[:7] != "redisq:" {
				t.Fatalf("malformed entry's error %q does not match ErrMalformed or start redisq:", err)
			}
			malformed = append(malformed, me)
		case err != nil:
			t.Fatalf("Get = %v", err)
		default:
			got = append(got, it.Value)
			must(it.Done(ctx))
		}
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("got %v; want [1 2 3], in order", got)
	}
	if len(malformed) != 2 {
		t.Fatalf("%d malformed errors; want 2", len(malformed))
	}
	aside, err := rdb.XRange(ctx, stream+":malformed", "-", "+").Result()
	if err != nil || len(aside) != 2 || aside[0].Values["redisq-id"] != malformed[0].ID || aside[0].Values["v"] != `"a string"` {
		t.Fatalf("malformed stream = %v, %v; want both entries, with their ids and fields", aside, err)
	}
	must(q.Join(within(t, 10*time.Second)))

	// In a batch, the items that decode come out beside the error.
	must(q.Put(ctx, 4))
	must(rdb.XAdd(ctx, rawEntry(stream, "{")).Err())
	items, err := q.GetBatch(ctx, 10)
	if len(items) != 1 || items[0].Value != 4 || !errors.Is(err, redisq.ErrMalformed) {
		t.Fatalf("GetBatch = %v, %v; want item 4 and a malformed error", items, err)
	}
	must(items[0].Done(ctx))
	must(q.Join(within(t, 10*time.Second)))
}

// Redis killed mid-run (SIGKILL, with --appendfsync always) and restarted:
// calls fail while it is down, with an error, not a hang; afterwards the
// queue goes on where it was, the items held at the crash come back after
// the visibility timeout, and Join returns once all are done.
func TestRedisRestartedMidRun(t *testing.T) {
	srv, rdb := server(t, "--appendfsync", "always")
	q := open[int](t, rdb, soon)
	ctx := context.Background()
	if err := q.PutBatch(ctx, []int{0, 1, 2, 3, 4, 5}); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	held, err := q.Get(ctx) // held across the crash, never done
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	done, err := q.Get(ctx)
	if err != nil || done.Done(ctx) != nil {
		t.Fatalf("Get and Done = %v", err)
	}
	srv.Kill()
	if err := q.Put(within(t, 30*time.Second), 6); err == nil {
		t.Fatalf("Put while Redis is down = nil; want an error")
	}
	if _, err := q.Get(within(t, 30*time.Second)); err == nil {
		t.Fatalf("Get while Redis is down = nil error; want one")
	}
	srv.Restart(t)
	if err := q.Put(ctx, 6); err != nil {
		t.Fatalf("Put after the restart = %v", err)
	}
	seen := map[int]bool{done.Value: true}
	for len(seen) < 7 {
		it, err := q.Get(within(t, 10*time.Second))
		if err != nil {
			t.Fatalf("Get after the restart = %v (seen %v)", err, seen)
		}
		seen[it.Value] = true
		if err := it.Done(ctx); err != nil {
			t.Fatalf("Done = %v", err)
		}
	}
	if !seen[held.Value] {
		t.Fatalf("the item held at the crash never came back")
	}
	if err := q.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
}

// Nothing is lost or made up under concurrency: four producers and four
// consumers over two queues of one name, contexts ending at random moments;
// every item whose Put succeeded is got and done, none whose Put failed
// comes out, and Join returns.
func TestLosesNothingUnderConcurrency(t *testing.T) {
	_, rdb := server(t)
	qs := []*redisq.Queue[int]{open[int](t, rdb, redisq.WithCapacity(4)), open[int](t, rdb, redisq.WithCapacity(4))}
	ctx := context.Background()
	var mu sync.Mutex
	put, got := map[int]bool{}, map[int]int{}
	var producers, consumers sync.WaitGroup
	for p := range 4 {
		producers.Go(func() {
			for i := range 50 {
				v := p*1000 + i
				pctx, cancel := context.WithTimeout(ctx, time.Duration(i%5)*time.Millisecond)
				err := qs[p%2].Put(pctx, v)
				cancel()
				if err == nil {
					mu.Lock()
					put[v] = true
					mu.Unlock()
				} else if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Put = %v", err)
				}
			}
		})
	}
	for c := range 4 {
		consumers.Go(func() {
			for i := 0; ; i++ {
				cctx, cancel := context.WithTimeout(ctx, time.Duration(1+i%5)*time.Millisecond)
				it, err := qs[c%2].Get(cctx)
				cancel()
				switch {
				case errors.Is(err, redisq.ErrShutDown):
					return
				case errors.Is(err, context.DeadlineExceeded):
					continue
				case err != nil:
					t.Errorf("Get = %v", err)
					return
				}
				mu.Lock()
				got[it.Value]++
				mu.Unlock()
				if err := it.Done(ctx); err != nil {
					t.Errorf("Done = %v", err)
				}
			}
		})
	}
	producers.Wait()
	if err := qs[0].Join(within(t, 30*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
	if err := qs[1].Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	consumers.Wait()
	for v := range put {
		if got[v] == 0 {
			t.Errorf("item %d was put and never got", v)
		}
	}
	for v, n := range got {
		if !put[v] {
			t.Errorf("item %d came out %d times but its Put failed", v, n)
		}
	}
	t.Logf("%d items put, %d distinct got", len(put), len(got))
}

// An abandoned item behind ten or more items still held (not idle) comes
// back: a look for abandoned items walks the whole pending list (it used to
// read ten entries per item asked for, and go on from there at the next).
func TestAbandonedItemBehindHeldOnesComesBack(t *testing.T) {
	_, rdb := server(t)
	holder, lost := open[int](t, rdb), open[int](t, rdb)
	ctx := context.Background()
	for i := range 11 {
		if err := holder.Put(ctx, i); err != nil {
			t.Fatalf("Put = %v", err)
		}
	}
	if _, err := holder.GetBatch(ctx, 10); err != nil { // held, and not idle: just got
		t.Fatalf("GetBatch = %v", err)
	}
	abandoned, err := lost.Get(ctx)
	if err != nil || abandoned.Value != 10 {
		t.Fatalf("Get = %v, %v; want item 10", abandoned, err)
	}
	// Its consumer died a while ago: idle for longer than the timeout.
	stream := "redisq:{" + t.Name() + "}"
	if err := rdb.Do(ctx, "XCLAIM", stream, "redisq", "dead", 0, abandoned.ID, "IDLE", 2*time.Minute.Milliseconds()).Err(); err != nil {
		t.Fatalf("XCLAIM IDLE = %v", err)
	}
	again, err := open[int](t, rdb).Get(within(t, 10*time.Second)) // the held ones stay fresh for a minute
	if err != nil || again.ID != abandoned.ID {
		t.Fatalf("Get = %v, %v; want the abandoned item %s", again, err, abandoned.ID)
	}
}

// A Get blocked while the stream is deleted (Delete, FLUSHALL, eviction)
// makes the group again and goes on, as any other call does.
func TestGetBlockedWhileTheStreamIsDeletedGoesOn(t *testing.T) {
	_, rdb := server(t)
	producer, consumer := open[int](t, rdb), open[int](t, rdb)
	ctx := context.Background()
	if err := producer.Put(ctx, 1); err != nil {
		t.Fatalf("Put = %v", err)
	}
	if _, err := consumer.Get(ctx); err != nil {
		t.Fatalf("Get = %v", err)
	}
	got := make(chan error, 1)
	go func() {
		it, err := consumer.Get(within(t, 10*time.Second))
		if err == nil && it.Value != 2 {
			err = errors.New("got the wrong item")
		}
		got <- err
	}()
	blocked := func() bool { // the Get waits in XREADGROUP BLOCK
		info, _ := rdb.Info(ctx, "clients").Result()
		return strings.Contains(info, "blocked_clients:1")
	}
	for !blocked() {
		runtime.Gosched()
	}
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatalf("FLUSHALL = %v", err)
	}
	if err := producer.Put(ctx, 2); err != nil {
		t.Fatalf("Put after FLUSHALL = %v", err)
	}
	if err := result(t, "Get", got); err != nil {
		t.Fatalf("the blocked Get = %v; want item 2", err)
	}
}

// TryGet finds an item whose consumer died longer than the visibility
// timeout ago: "the next item if there is one" holds for items abandoned
// too. It used to look for them at most four times per timeout, so a
// TryGet right after another answered ErrEmpty with one waiting.
func TestTryGetFindsAnAbandonedItem(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb) // visibility timeout: a minute
	ctx := context.Background()
	if _, err := q.TryGet(ctx); !errors.Is(err, redisq.ErrEmpty) {
		t.Fatalf("TryGet of an empty queue = %v; want ErrEmpty", err)
	}
	if err := q.Put(ctx, 1); err != nil {
		t.Fatalf("Put = %v", err)
	}
	dead := open[int](t, rdb)
	it, err := dead.Get(ctx)
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	// Its consumer died a while ago: idle for longer than the timeout.
	stream := "redisq:{" + t.Name() + "}"
	if err := rdb.Do(ctx, "XCLAIM", stream, "redisq", "dead", 0, it.ID, "IDLE", 2*time.Minute.Milliseconds()).Err(); err != nil {
		t.Fatalf("XCLAIM IDLE = %v", err)
	}
	again, err := q.TryGet(ctx)
	if err != nil || again.ID != it.ID {
		t.Fatalf("TryGet = %v, %v; want the abandoned item %s", again, err, it.ID)
	}
}

// A Get whose context ends returns within about the poll interval even
// when far more Gets block than the client pools connections, and a Put
// beside them is not held up. Each blocked Get holds a connection while it
// blocks in Redis, and go-redis's wait for a free one ignores the context
// (redisq hides its cancellation, so that no call is cut short): eighty
// Gets on a pool of two used to queue for connections, the slowest
// returning after 4.2 s.
func TestManyBlockedGetsSeeTheirContextEnd(t *testing.T) {
	srv, _ := server(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 2})
	t.Cleanup(func() { rdb.Close() })
	const poll, deadline = 50 * time.Millisecond, 200 * time.Millisecond
	const late = deadline + 8*poll // some slack for a loaded machine; the queueing took 4 s
	q := open[int](t, rdb, redisq.WithPollInterval(poll))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var worst time.Duration
	var got []error // what the Gets returned but their context's end: the one item
	for range 80 {
		wg.Go(func() {
			took, err := timedGet(q, deadline)
			mu.Lock()
			defer mu.Unlock()
			worst = max(worst, took)
			if !errors.Is(err, context.DeadlineExceeded) {
				got = append(got, err)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	start := time.Now()
	putErr := q.Put(ctx, 1)
	putTook := time.Since(start)
	cancel()
	wg.Wait()
	if putErr != nil || putTook > late {
		t.Errorf("Put beside 80 blocked Gets = %v after %v; want nil within %v", putErr, putTook, late)
	}
	if worst > late {
		t.Errorf("the slowest Get returned %v after it began, its context ending at %v; want within %v", worst, deadline, late)
	}
	if len(got) != 1 || got[0] != nil {
		t.Errorf("the Gets returned %v beside their contexts' end; want one nil, for the item put", got)
	}
}

// Queues on one client share its pool, and so the gate that keeps half of
// it free: with a gate each, twenty Queues on a pool of two let twenty Gets
// block in Redis at once, and a Get on each, its context ending at 200 ms,
// queued for a connection behind the others' 50 ms polls.
func TestQueuesOnOneClientShareItsPool(t *testing.T) {
	srv, _ := server(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 2})
	t.Cleanup(func() { rdb.Close() })
	const poll, deadline = 50 * time.Millisecond, 200 * time.Millisecond
	const late = deadline + 8*poll
	qs := make([]*redisq.Queue[int], 20)
	for i := range qs {
		q, err := redisq.Open[int](context.Background(), rdb, fmt.Sprintf("%s.%d", t.Name(), i), redisq.WithPollInterval(poll))
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		qs[i] = q
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var worst time.Duration
	for _, q := range qs {
		for range 2 {
			wg.Go(func() {
				took, err := timedGet(q, deadline)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Get on an empty queue = %v; want its context's end", err)
				}
				mu.Lock()
				defer mu.Unlock()
				worst = max(worst, took)
			})
		}
	}
	wg.Wait()
	if worst > late {
		t.Errorf("the slowest of 40 Gets on 20 Queues returned %v after it began, its context ending at %v; want within %v", worst, deadline, late)
	}
}

// timedGet calls q.Get with a context that ends after deadline, and
// returns how long it took and its error.
func timedGet(q *redisq.Queue[int], deadline time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	_, err := q.Get(ctx)
	return time.Since(start), err
}

// TryGet finds an abandoned item wherever it sits in the pending list,
// and in one round trip however many items are held. A look used to go on
// from where the last one stopped, ten entries per item asked for: one
// that began part-way missed an item behind it, and behind 2,000 held
// items a TryGet took 200 round trips (282 ms behind 20,000).
func TestTryGetLooksThroughThePendingListAtOnce(t *testing.T) {
	_, rdb := server(t)
	q, holder := open[int](t, rdb), open[int](t, rdb)
	ctx := context.Background()
	const held = 2000
	vs := make([]int, held)
	for i := range vs {
		vs[i] = i
	}
	if err := holder.PutBatch(ctx, vs); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	items, err := holder.GetBatch(ctx, held) // held, and not idle: just got
	if err != nil || len(items) != held {
		t.Fatalf("GetBatch = %d items, %v", len(items), err)
	}
	stream := "redisq:{" + t.Name() + "}"
	abandon := func(id string) { // its consumer died a while ago: idle for longer than the timeout
		t.Helper()
		if err := rdb.Do(ctx, "XCLAIM", stream, "redisq", "dead", 0, id, "IDLE", 2*time.Minute.Milliseconds()).Err(); err != nil {
			t.Fatalf("XCLAIM IDLE = %v", err)
		}
	}
	var calls atomic.Int64
	rdb.AddHook(countCalls{&calls})

	abandon(items[held-1].ID) // at the end of the list
	calls.Store(0)
	if it, err := q.TryGet(ctx); err != nil || it.ID != items[held-1].ID {
		t.Fatalf("TryGet = %v, %v; want the abandoned item %s", it, err, items[held-1].ID)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("TryGet behind %d held items made %d calls to Redis; want 1", held-1, n)
	}
	abandon(items[0].ID) // at the start, before where the last look stopped
	if it, err := q.TryGet(ctx); err != nil || it.ID != items[0].ID {
		t.Fatalf("TryGet = %v, %v; want the abandoned item %s (ErrEmpty means none now)", it, err, items[0].ID)
	}
}

// countCalls is a client hook that counts the commands the client runs.
type countCalls struct{ n *atomic.Int64 }

func (h countCalls) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countCalls) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h countCalls) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
