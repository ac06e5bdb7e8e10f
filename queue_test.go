package scope_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/structuredgo/scope"
)

func drain[T any](q *scope.Queue[T]) []T {
	var out []T
	for {
		v, err := q.TryGet()
		if err != nil {
			return out
		}
		out = append(out, v)
	}
}

func TestQueueOrders(t *testing.T) {
	type job struct {
		prio int
		name string
	}
	fifo, lifo := scope.NewQueue[int](0), scope.NewLIFOQueue[int](0)
	prio := scope.NewPriorityQueue(0, func(a, b job) bool { return a.prio < b.prio })
	var zero scope.Queue[int] // an unbounded FIFO queue
	for _, v := range []int{3, 1, 2} {
		fifo.TryPut(v)
		lifo.TryPut(v)
		zero.TryPut(v)
	}
	for _, j := range []job{{2, "b1"}, {1, "a"}, {2, "b2"}, {0, "z"}, {2, "b3"}} {
		prio.TryPut(j)
	}
	if got := fmt.Sprint(drain(fifo), drain(lifo), drain(&zero)); got != "[3 1 2] [2 1 3] [3 1 2]" {
		t.Errorf("FIFO, LIFO, zero Queue gave %s", got)
	}
	if got := fmt.Sprint(drain(prio)); got != "[{0 z} {1 a} {2 b1} {2 b2} {2 b3}]" {
		t.Errorf("priority queue gave %s; want smallest first, ties in insertion order", got)
	}
}

func TestQueueCapacityLenCap(t *testing.T) {
	q := scope.NewQueue[int](2)
	if q.TryPut(1) != nil || q.TryPut(2) != nil || q.TryPut(3) != scope.ErrQueueFull {
		t.Errorf("a queue of capacity 2 did not refuse the third item")
	}
	if q.Len() != 2 || q.Cap() != 2 || !q.Full() || q.Empty() {
		t.Errorf("Len, Cap, Full, Empty = %d, %d, %v, %v; want 2, 2, true, false", q.Len(), q.Cap(), q.Full(), q.Empty())
	}
	if _, err := scope.NewQueue[int](0).TryGet(); err != scope.ErrQueueEmpty {
		t.Errorf("TryGet on an empty queue = %v; want ErrQueueEmpty", err)
	}
	u := scope.NewQueue[int](-5)
	for i := range 1000 { // grows past its first ring
		if err := u.TryPut(i); err != nil {
			t.Fatalf("TryPut on an unbounded queue = %v", err)
		}
	}
	if u.Full() {
		t.Errorf("an unbounded queue of 1000 items is Full; want never")
	}
	if got := drain(u); u.Cap() != 0 || len(got) != 1000 || got[999] != 999 || got[0] != 0 || !u.Empty() || u.Full() {
		t.Errorf("unbounded queue: Cap %d, %d items, Empty %v, Full %v; want 0, 1000, true, false", u.Cap(), len(got), u.Empty(), u.Full())
	}
}

// An unbounded queue past the length where Put starts to yield (see
// yieldAbove) still never blocks a Put: one goroutine puts 5,000 items with
// no consumer (a Put that blocked would deadlock the bubble, and synctest
// would fail the test), then gets them back in order.
func TestUnboundedPutNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewQueue[int](0)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for i := range 5000 {
			if err := q.Put(ctx, i); err != nil {
				t.Fatalf("Put %d = %v", i, err)
			}
		}
		for i := range 5000 {
			if v, err := q.Get(ctx); err != nil || v != i {
				t.Fatalf("Get = %d, %v; want %d", v, err, i)
			}
		}
	})
}

// Put blocks while full, Get while empty, Join while items are unfinished:
// each durably blocked, so synctest.Wait settles.
func TestQueueBlocksAndWakes(t *testing.T) {
	for _, crowded := range []bool{false, true} {
		t.Run(fmt.Sprintf("crowded=%t", crowded), func(t *testing.T) {
			testQueueBlocksAndWakes(t, crowded)
		})
	}
}

// testQueueBlocksAndWakes is TestQueueBlocksAndWakes, crowded or not: a
// crowded queue yields once before it parks, and must park all the same.
func testQueueBlocksAndWakes(t *testing.T, crowded bool) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewQueue[string](1)
		if crowded {
			scope.Crowd(q)
		}
		q.TryPut("first")
		putDone := make(chan error)
		go func() { putDone <- q.Put(bg, "second") }()
		joined := make(chan error)
		go func() { joined <- q.Join(bg) }()
		synctest.Wait()
		select {
		case <-putDone:
			t.Fatalf("Put returned on a full queue")
		case <-joined:
			t.Fatalf("Join returned with items unfinished")
		default:
		}
		for _, want := range []string{"first", "second"} {
			if v, err := q.Get(bg); v != want || err != nil {
				t.Fatalf("Get = %q, %v; want %q", v, err, want)
			}
			q.TaskDone()
		}
		if err := <-putDone; err != nil {
			t.Fatalf("Put = %v", err)
		}
		if err := <-joined; err != nil {
			t.Fatalf("Join = %v", err)
		}
		got := make(chan string)
		go func() { v, _ := q.Get(bg); got <- v }()
		synctest.Wait()
		q.Put(bg, "third")
		if v := <-got; v != "third" {
			t.Fatalf("blocked Get got %q; want third", v)
		}
	})
}

// A done ctx fails at once and changes nothing, even when the call could
// have succeeded.
func TestQueueDoneContextChangesNothing(t *testing.T) {
	stop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(bg)
	cancel(stop)
	q := scope.NewQueue[int](0)
	if err := q.Put(ctx, 1); err != stop || q.Len() != 0 {
		t.Errorf("Put(done ctx) = %v with %d items; want the cause and none", err, q.Len())
	}
	q.TryPut(1)
	if v, err := q.Get(ctx); err != stop || v != 0 || q.Len() != 1 {
		t.Errorf("Get(done ctx) = %v, %v with %d items; want the cause and the item left", v, err, q.Len())
	}
	if err := q.Join(ctx); err != stop {
		t.Errorf("Join(done ctx) = %v; want the cause", err)
	}
}

func TestQueueBlockedCallsGiveUpWithTheCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop := errors.New("stop")
		full := scope.NewQueue[int](1)
		full.TryPut(1)
		empty := scope.NewQueue[int](0)
		ctx, cancel := context.WithCancelCause(bg)
		errs := make(chan error, 3)
		go func() { errs <- full.Put(ctx, 2) }()
		go func() { _, err := empty.Get(ctx); errs <- err }()
		go func() { errs <- full.Join(ctx) }()
		synctest.Wait()
		cancel(stop)
		for range 3 {
			if err := <-errs; err != stop {
				t.Errorf("blocked call = %v; want the cause", err)
			}
		}
		if full.Len() != 1 || empty.Len() != 0 {
			t.Errorf("queues changed: %d, %d items", full.Len(), empty.Len())
		}
		// A wake-up that came as a Get gave up goes to the next Get.
		got := make(chan int)
		go func() { v, _ := empty.Get(bg); got <- v }()
		synctest.Wait()
		empty.TryPut(7)
		if v := <-got; v != 7 {
			t.Errorf("Get got %d; want 7", v)
		}
	})
}

// A waiting call whose context has ended is passed over, though its
// goroutine has not run since: a Get cancelled, then a Put, in that order,
// never hands the item to the cancelled Get, as asyncio's put_nowait
// passes over a cancelled getter (CPython's test_get_cancelled_race, anyio's
// test_send_to_natively_cancelled_receiver); likewise a Get over a
// cancelled Put, and a shutdown: each cancelled call reports its cause.
func TestCancelledWaiterIsPassedOver(t *testing.T) {
	type got struct {
		v   int
		err error
	}
	stop := errors.New("stop")
	t.Run("Put passes over a cancelled Get", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q := scope.NewQueue[int](0)
			ctx, cancel := context.WithCancelCause(bg)
			r1, r2 := make(chan got, 1), make(chan got, 1)
			go func() { v, err := q.Get(ctx); r1 <- got{v, err} }()
			synctest.Wait()
			go func() { v, err := q.Get(bg); r2 <- got{v, err} }()
			synctest.Wait()
			cancel(stop)
			_ = q.TryPut(1)
			if g := <-r1; g.err != stop {
				t.Errorf("cancelled Get = %d, %v; want the cause", g.v, g.err)
			}
			if g := <-r2; g.v != 1 || g.err != nil {
				t.Errorf("next Get = %d, %v; want 1, nil", g.v, g.err)
			}
			ctx, cancel = context.WithCancelCause(bg)
			go func() { v, err := q.Get(ctx); r1 <- got{v, err} }()
			synctest.Wait()
			cancel(stop)
			_ = q.TryPut(2)
			if g := <-r1; g.err != stop || q.Len() != 1 {
				t.Errorf("cancelled Get = %d, %v with %d queued; want the cause, and the item queued", g.v, g.err, q.Len())
			}
		})
	})
	t.Run("Get passes over a cancelled Put", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q := scope.NewQueue[int](1)
			_ = q.TryPut(1)
			ctx, cancel := context.WithCancelCause(bg)
			p1, p2 := make(chan error, 1), make(chan error, 1)
			go func() { p1 <- q.Put(ctx, 2) }()
			synctest.Wait()
			go func() { p2 <- q.Put(bg, 3) }()
			synctest.Wait()
			cancel(stop)
			if v, _ := q.TryGet(); v != 1 {
				t.Fatalf("TryGet = %d; want 1", v)
			}
			if err := <-p1; err != stop {
				t.Errorf("cancelled Put = %v; want the cause", err)
			}
			if err := <-p2; err != nil {
				t.Errorf("next Put = %v; want nil", err)
			}
			if items := drain(q); len(items) != 1 || items[0] != 3 {
				t.Errorf("queue holds %v; want [3]", items)
			}
		})
	})
	t.Run("a shutdown passes over a cancelled Get", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q := scope.NewQueue[int](0)
			ctx, cancel := context.WithCancelCause(bg)
			r := make(chan got, 1)
			go func() { v, err := q.Get(ctx); r <- got{v, err} }()
			synctest.Wait()
			cancel(stop)
			q.Shutdown()
			if g := <-r; g.err != stop {
				t.Errorf("cancelled Get = %d, %v; want the cause", g.v, g.err)
			}
		})
	})
}

// Under many goroutines whose contexts end at random moments, nothing is lost
// and nothing is made up: every item whose Put succeeded is got exactly once,
// and no item whose Put failed ever comes out.
func TestQueueLosesNothingWhenCallsGiveUp(t *testing.T) {
	for _, crowded := range []bool{false, true} {
		t.Run(fmt.Sprintf("crowded=%t", crowded), func(t *testing.T) {
			testQueueLosesNothing(t, crowded)
		})
	}
}

// testQueueLosesNothing is TestQueueLosesNothingWhenCallsGiveUp, crowded or
// not: a crowded queue yields once before each park.
func testQueueLosesNothing(t *testing.T, crowded bool) {
	for _, capacity := range []int{1, 4, 0} {
		q := scope.NewQueue[int](capacity)
		if crowded {
			scope.Crowd(q)
		}
		const producers, perProducer, consumers = 4, 500, 4
		var (
			mu     sync.Mutex
			putOK  = map[int]bool{}
			putBad = map[int]bool{}
			got    = map[int]int{}
		)
		var producersWG, cancellers sync.WaitGroup
		// cancelSoon returns a context that another goroutine cancels after
		// a random number of yields.
		cancelSoon := func(r *rand.Rand) context.Context {
			ctx, cancel := context.WithCancel(bg)
			n := r.IntN(4)
			cancellers.Go(func() {
				for range n {
					runtime.Gosched()
				}
				cancel()
			})
			return ctx
		}
		for p := range producers {
			producersWG.Go(func() {
				r := rand.New(rand.NewPCG(uint64(p), 1))
				for i := range perProducer {
					v := p*perProducer + i
					err := q.Put(cancelSoon(r), v)
					mu.Lock()
					if err == nil {
						putOK[v] = true
					} else {
						putBad[v] = true
					}
					mu.Unlock()
				}
			})
		}
		stop := make(chan struct{})
		var consumersWG sync.WaitGroup
		for c := range consumers {
			consumersWG.Go(func() {
				r := rand.New(rand.NewPCG(uint64(c), 2))
				for {
					select {
					case <-stop:
						return
					default:
					}
					if v, err := q.Get(cancelSoon(r)); err == nil {
						mu.Lock()
						got[v]++
						mu.Unlock()
						q.TaskDone()
					}
				}
			})
		}
		producersWG.Wait()
		close(stop)
		consumersWG.Wait()
		cancellers.Wait()
		for _, v := range drain(q) {
			got[v]++
			q.TaskDone()
		}
		for v := range putOK {
			if got[v] != 1 {
				t.Fatalf("capacity %d: item %d put once, got %d times", capacity, v, got[v])
			}
		}
		for v := range got {
			if putBad[v] || !putOK[v] {
				t.Fatalf("capacity %d: item %d came out though its Put failed", capacity, v)
			}
		}
		t.Logf("capacity %d: %d puts ok, %d gave up", capacity, len(putOK), len(putBad))
		if err := q.Join(bg); err != nil || len(putOK)+len(putBad) != producers*perProducer {
			t.Fatalf("capacity %d: Join = %v; %d puts accounted for", capacity, err, len(putOK)+len(putBad))
		}
	}
}

func TestQueueTaskDoneTooOftenPanics(t *testing.T) {
	q := scope.NewQueue[int](0)
	wantScopePanic(t, q.TaskDone, "TaskDone called more times than items were got")
	q.TryPut(1)
	wantScopePanic(t, q.TaskDone, "TaskDone") // put, but not got
	q.TryGet()
	q.TaskDone()
	wantScopePanic(t, q.TaskDone, "TaskDone")
	wantScopePanic(t, func() { scope.NewPriorityQueue[int](0, nil) }, "nil less")
}

func TestQueueShutdownDrainsThenFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewQueue[int](1)
		q.TryPut(1)
		blockedPut := make(chan error)
		go func() { blockedPut <- q.Put(bg, 2) }()
		synctest.Wait()
		q.Shutdown()
		q.Shutdown() // idempotent
		if err := <-blockedPut; err != scope.ErrQueueShutDown {
			t.Errorf("blocked Put = %v; want ErrQueueShutDown", err)
		}
		if err := q.Put(bg, 3); err != scope.ErrQueueShutDown || q.TryPut(3) != scope.ErrQueueShutDown {
			t.Errorf("Put after Shutdown = %v; want ErrQueueShutDown", err)
		}
		if v, err := q.Get(bg); v != 1 || err != nil {
			t.Errorf("Get after Shutdown = %v, %v; want what is left", v, err)
		}
		if _, err := q.Get(bg); err != scope.ErrQueueShutDown {
			t.Errorf("Get on a drained, shut-down queue = %v", err)
		}
		if _, err := q.TryGet(); err != scope.ErrQueueShutDown {
			t.Errorf("TryGet on a drained, shut-down queue = %v", err)
		}
		empty := scope.NewQueue[int](0)
		blockedGet := make(chan error)
		go func() { _, err := empty.Get(bg); blockedGet <- err }()
		synctest.Wait()
		empty.Shutdown()
		if err := <-blockedGet; err != scope.ErrQueueShutDown {
			t.Errorf("blocked Get = %v; want ErrQueueShutDown", err)
		}
	})
}

// ShutdownNow drops what is queued (counted done) and wakes every blocked
// call; items taken but not yet done still hold Join back (gh-137088).
func TestQueueShutdownNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewQueue[int](2)
		q.TryPut(1)
		q.TryPut(2)
		taken, _ := q.Get(bg) // got, not yet done
		q.TryPut(3)
		blockedPut := make(chan error)
		go func() { blockedPut <- q.Put(bg, 4) }()
		joined := make(chan error)
		go func() { joined <- q.Join(bg) }()
		synctest.Wait()
		q.ShutdownNow()
		if err := <-blockedPut; err != scope.ErrQueueShutDown {
			t.Errorf("blocked Put = %v; want ErrQueueShutDown", err)
		}
		if _, err := q.Get(bg); err != scope.ErrQueueShutDown || q.Len() != 0 {
			t.Errorf("Get after ShutdownNow = %v with %d items; want ErrQueueShutDown, none", err, q.Len())
		}
		synctest.Wait()
		select {
		case <-joined:
			t.Fatalf("Join returned while item %d was got but not done", taken)
		default:
		}
		q.TaskDone()
		if err := <-joined; err != nil {
			t.Errorf("Join = %v; want nil", err)
		}
		wantScopePanic(t, q.TaskDone, "TaskDone") // the dropped items are done already
	})
}

func TestQueueAllMarksEachItemDone(t *testing.T) {
	q := scope.NewQueue[int](0)
	for i := range 5 {
		q.TryPut(i)
	}
	q.Shutdown()
	var seen []int
	for v := range q.All(bg) {
		seen = append(seen, v)
		if v == 1 {
			break // marked done on the way out
		}
	}
	recovered(t, func() {
		for range q.All(bg) {
			panic("in the loop body") // still marked done
		}
	})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for range q.All(bg) {
			goexit()
		}
	}()
	<-exited
	for v := range q.All(bg) {
		seen = append(seen, v)
	}
	if fmt.Sprint(seen) != "[0 1 4]" {
		t.Errorf("All yielded %v; want 0 1, then 4 after the panic and the Goexit took 2 and 3", seen)
	}
	if err := q.Join(bg); err != nil {
		t.Errorf("Join = %v; want every item marked done", err)
	}
}

func TestQueueAllStopsWhenContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewQueue[int](0)
		ctx, cancel := context.WithCancel(bg)
		ended := make(chan struct{})
		go func() {
			for range q.All(ctx) {
			}
			close(ended)
		}()
		synctest.Wait()
		cancel()
		<-ended
	})
}
