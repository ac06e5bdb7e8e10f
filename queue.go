package scope

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The errors of a [Queue].
var (
	ErrQueueFull     = errors.New("scope: queue full")
	ErrQueueEmpty    = errors.New("scope: queue empty")
	ErrQueueShutDown = errors.New("scope: queue shut down")
)

// A Queue is asyncio.Queue for goroutines: a queue of items between producers
// and consumers, with task_done and join, safe for use by many goroutines.
// Items come out first in, first out ([NewQueue]), last in, first out
// ([NewLIFOQueue]), or smallest first ([NewPriorityQueue]).
//
// Each item put counts as unfinished until a consumer that got it calls
// [Queue.TaskDone]; [Queue.Join] waits until none is. Blocking calls take a
// context and, when it ends, return [context.Cause] having changed nothing:
// a Get that gives up never loses an item, a Put that gives up never adds one.
// A blocked call whose context has ended is passed over, even before its
// goroutine has run to return: a Get cancelled before a Put is not handed
// the Put's item, which goes to the next Get in line, or stays queued.
// In a testing/synctest bubble, a blocked call whose context's deadline
// has come gives up even if the queue changes at that instant of fake time:
// a Put at a Get's deadline leaves the item queued and the Get timed out,
// every run.
//
// The zero Queue is an empty, unbounded FIFO queue. A Queue must not be
// copied after first use.
type Queue[T any] struct {
	mu         sync.Mutex // guards the fields below; never held across a wait
	store      store[T]
	capacity   int               // 0: unbounded
	unfinished int               // items put and not yet marked done
	shutdown   bool              // Put fails; Get drains, then fails
	getters    waiters[T]        // blocked in Get, in arrival order
	putters    waiters[T]        // blocked in Put, in arrival order
	idle       *idleSignal       // made by a Join that waits; fired when unfinished reaches 0
	spare      spares[waiter[T]] // waiters to reuse, their channels empty
	contending atomic.Int32      // goroutines in lock's slow path: q.mu is contended
}

// NewQueue returns a FIFO queue that holds at most capacity items; capacity
// <= 0 means unbounded.
func NewQueue[T any](capacity int) *Queue[T] {
	return &Queue[T]{capacity: max(capacity, 0)}
}

// NewLIFOQueue returns a queue whose last item put comes out first.
func NewLIFOQueue[T any](capacity int) *Queue[T] {
	q := NewQueue[T](capacity)
	q.store.kind = lifo
	return q
}

// NewPriorityQueue returns a queue whose smallest item by less comes out
// first; items that compare equal come out in the order they were put. It
// panics if less is nil.
//
// If less panics, the panic reaches the caller of the Put or Get that called
// it, and that call changed nothing: the queue stays usable, as Python's
// does when its heap raises a TypeError on items it cannot compare. A Put
// blocked on a full queue gets the panic for its own item when a Get makes
// room; the Get succeeds. less is called with the queue's lock held: keep it
// a comparison, which neither blocks nor uses the queue. A less that calls
// a method of its own queue deadlocks the goroutine that called it, and
// every later caller of that queue.
func NewPriorityQueue[T any](capacity int, less func(a, b T) bool) *Queue[T] {
	if less == nil {
		panic("scope: NewPriorityQueue with a nil less; pass the function that orders the items")
	}
	q := NewQueue[T](capacity)
	q.store.kind, q.store.prio.less = priority, less
	return q
}

// Put adds v, blocking while the queue is full. It returns
// [ErrQueueShutDown] once the queue is shut down (also if that happens while
// it waits), and context.Cause(ctx) if ctx ends first; then nothing was
// added. A ctx that is already done fails at once, even if there is room.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	needContext(ctx)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	q.lock()
	for yielded := false; ; {
		if q.shutdown {
			q.mu.Unlock()
			return ErrQueueShutDown
		}
		if q.capacity == 0 || q.store.len() < q.capacity {
			w := q.add(v)
			long := q.capacity == 0 && q.store.len() > yieldAbove
			q.mu.Unlock()
			w.wake()
			if long {
				runtime.Gosched()
			}
			return nil
		}
		if !yielded && q.crowded() {
			yielded = true
			continue
		}
		_, added, err := q.wait(ctx, &q.putters, v)
		if added || err != nil {
			return err
		}
		q.lock()
	}
}

// yieldAbove is how many items an unbounded queue holds before each Put
// yields the processor once. A Put on an unbounded queue never blocks, but a
// producer that runs far ahead of its consumer grows the ring out of the
// cache (to a million items in a one-second benchmark), and then every item
// costs a miss to put and one to get: 1.7x a channel's time per item with
// one producer and one consumer. A yield, never a wait, keeps the producer
// near the consumer's pace: 1.0x to 1.3x. Tried 64 to 16,384: below 256 four
// producers yield to each other more than to the consumers; above, the
// single producer gets too far ahead (bench/ BenchmarkQueue, cap=unbounded).
const yieldAbove = 256

// TryPut adds v if there is room, without blocking. It returns
// [ErrQueueFull] when the queue is full, [ErrQueueShutDown] once it is shut
// down.
func (q *Queue[T]) TryPut(v T) error {
	q.lock()
	switch {
	case q.shutdown:
		q.mu.Unlock()
		return ErrQueueShutDown
	case q.capacity > 0 && q.store.len() >= q.capacity:
		q.mu.Unlock()
		return ErrQueueFull
	}
	w := q.add(v)
	q.mu.Unlock()
	w.wake()
	return nil
}

// add adds v: straight to the first waiting Get if there is one (then the
// store is empty, so no order is broken), else to the store. It returns the
// Get to wake once q.mu, held, is released.
func (q *Queue[T]) add(v T) *waiter[T] {
	var w *waiter[T]
	if q.getters.head != nil { // no call where no Get waits: most Puts
		w = q.getters.first()
	}
	if w != nil {
		q.unfinished++
		w.item = v
		return q.getters.claim(w, true)
	}
	if q.store.kind == priority {
		q.pushGuarded(v)
	} else {
		q.store.push(v)
	}
	q.unfinished++
	return nil
}

// pushGuarded pushes v into a priority queue's heap, releasing q.mu if less
// panics (see unlockUnless). It is apart from add so that FIFO and LIFO
// queues, which call no code of the caller's, pay for no defer.
func (q *Queue[T]) pushGuarded(v T) {
	done := false
	defer q.unlockUnless(&done)
	q.store.push(v)
	done = true
}

// Get removes and returns the next item, blocking while the queue is empty.
// Once the queue is shut down it returns what is left, then
// [ErrQueueShutDown]. It returns context.Cause(ctx) if ctx ends first; then
// no item was taken. A ctx that is already done fails at once, even if an
// item is there.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	var zero T
	needContext(ctx)
	if ctx.Err() != nil {
		return zero, context.Cause(ctx)
	}
	q.lock()
	for yielded := false; ; {
		if q.store.len() > 0 {
			v, w := q.take()
			q.mu.Unlock()
			w.wake()
			return v, nil
		}
		if q.shutdown {
			q.mu.Unlock()
			return zero, ErrQueueShutDown
		}
		if !yielded && q.crowded() {
			yielded = true
			continue
		}
		v, handed, err := q.wait(ctx, &q.getters, zero)
		if handed || err != nil {
			return v, err
		}
		q.lock()
	}
}

// TryGet removes and returns the next item if there is one, without
// blocking. It returns [ErrQueueEmpty] when the queue is empty,
// [ErrQueueShutDown] once it is shut down and drained.
func (q *Queue[T]) TryGet() (T, error) {
	q.lock()
	if q.store.len() > 0 {
		v, w := q.take()
		q.mu.Unlock()
		w.wake()
		return v, nil
	}
	shutdown := q.shutdown
	q.mu.Unlock()
	var zero T
	if shutdown {
		return zero, ErrQueueShutDown
	}
	return zero, ErrQueueEmpty
}

// take removes the next item, and moves the first waiting Put's item into
// the room it frees. It returns that Put, to wake once q.mu, held, is
// released.
func (q *Queue[T]) take() (T, *waiter[T]) {
	if q.store.kind == priority {
		return q.takeGuarded()
	}
	v := q.store.pop()
	var w *waiter[T]
	if q.putters.head != nil { // no call where no Put waits: most Gets
		w = q.putters.first()
	}
	if w != nil {
		q.store.push(w.item)
		q.unfinished++
		q.putters.claim(w, true)
	}
	return v, w
}

// takeGuarded is take for a priority queue: it releases q.mu if less panics
// on a stored item (see unlockUnless), and hands a panic on a waiting Put's
// item to that Put (moveIn).
func (q *Queue[T]) takeGuarded() (T, *waiter[T]) {
	done := false
	defer q.unlockUnless(&done)
	v := q.store.pop()
	var w *waiter[T]
	if q.putters.head != nil {
		w = q.moveIn()
	}
	done = true
	return v, w
}

// moveIn moves the first waiting Put's item into the room a Get freed in a
// priority queue, and returns that Put, to wake once q.mu is released. If
// less panics on the item, that Put gets the panic, not the Get: it is
// woken at once with its item not added, and the next waiting Put is
// tried, as Python's put raises the heap's TypeError to its own caller.
func (q *Queue[T]) moveIn() *waiter[T] {
	for w := q.putters.first(); w != nil; w = q.putters.first() {
		if p := q.tryPush(w.item); p != nil {
			q.putters.claim(w, false).panicked = p
			w.wake()
			continue
		}
		q.unfinished++
		return q.putters.claim(w, true)
	}
	return nil
}

// tryPush pushes v into the heap, and returns what less panicked with, if
// it did: then the heap is as it was.
func (q *Queue[T]) tryPush(v T) (panicked any) {
	defer func() { panicked = recover() }()
	q.store.push(v)
	return nil
}

// unlockUnless releases q.mu unless *done. pushGuarded and takeGuarded defer
// it for a priority queue, whose less is the caller's code: if less panics,
// or calls runtime.Goexit, with q.mu held, the queue stays usable. Nothing
// has changed then, the heap comparing before it moves and the count coming
// after it; but for a Goexit (which recover cannot stop) in moveIn, after
// takeGuarded's pop: that item is lost.
func (q *Queue[T]) unlockUnless(done *bool) {
	if !*done {
		q.mu.Unlock()
	}
}

// TaskDone marks one item got from the queue as processed: task_done. Call it
// once per item, when its work is finished; [Queue.Join] waits for it. It
// panics when called more often than items were got.
func (q *Queue[T]) TaskDone() {
	q.lock()
	defer q.mu.Unlock()
	if q.unfinished-q.store.len() <= 0 {
		panic("scope: Queue.TaskDone called more times than items were got; call it once per item from Get (Queue.All marks its items done itself)")
	}
	q.unfinished--
	if q.unfinished == 0 && q.idle != nil {
		q.idle.fire()
		q.idle = nil
	}
}

// Join blocks until every item put has been marked done by [Queue.TaskDone]
// (or dropped by [Queue.ShutdownNow]): queue.join. It returns
// context.Cause(ctx) if ctx ends first, or is already done.
func (q *Queue[T]) Join(ctx context.Context) error {
	needContext(ctx)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	q.lock()
	if q.unfinished == 0 {
		q.mu.Unlock()
		return nil
	}
	if q.idle == nil {
		q.idle = &idleSignal{c: make(chan struct{})}
	}
	idle := q.idle
	q.mu.Unlock()
	defer unblock(blockedIn(ctx, "Queue.Join", nil))
	select {
	case <-idle.c:
	case <-ctx.Done():
	}
	return joined(ctx, idle)
}

// joined is Join's answer once the queue is done or ctx has ended. Both may
// be ready as Join looks, and which the select picked decides nothing; the
// times do. A queue done before ctx's deadline was joined in time, though
// Join's goroutine may run later; one done at or after the deadline was
// not, if ctx has ended, or if this is the deadline's very instant on a
// testing/synctest bubble's clock, where its timer may not have fired yet:
// the deadline wins, as for a waiting Get (see waiter.late).
func joined(ctx context.Context, idle *idleSignal) error {
	select {
	case <-idle.c:
	default:
		return context.Cause(ctx) // ctx ended, the queue not done
	}
	d, ok := ctx.Deadline()
	if !ok || idle.at.Before(d) {
		return nil
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if d.Before(processStart) && isNow(d) { // on a bubble's clock: see fakeDeadline
		if awaitInstant(ctx); ctx.Err() != nil {
			return context.Cause(ctx)
		}
	}
	return nil
}

// An idleSignal tells the Joins waiting on it that the queue is done, and
// when: a Join whose deadline had passed by then reports the deadline, even
// if its context's timer has not fired yet (at one instant of fake time),
// and one that wakes late, after its deadline, for a queue done before it,
// returns nil.
type idleSignal struct {
	c  chan struct{}
	at time.Time // set before c is closed
}

// fire records the time and wakes the Joins. q.mu is held.
func (i *idleSignal) fire() {
	i.at = time.Now()
	close(i.c)
}

// Shutdown shuts the queue down, as Python 3.13's Queue.shutdown: Put fails
// with [ErrQueueShutDown] from now on, blocked Puts too; Get returns what is
// left, then fails with ErrQueueShutDown. A second call does nothing.
func (q *Queue[T]) Shutdown() {
	q.lock()
	defer q.mu.Unlock()
	q.shutdown = true
	q.getters.wakeAll()
	q.putters.wakeAll()
}

// ShutdownNow shuts the queue down and drops the items still in it
// (shutdown(immediate=True)): each dropped item counts as done for Join, and
// every blocked Put and Get fails with [ErrQueueShutDown]. Items already got
// but not yet marked done still hold Join back until their TaskDone. It may
// follow Shutdown; a second call does nothing more.
func (q *Queue[T]) ShutdownNow() {
	q.lock()
	defer q.mu.Unlock()
	q.shutdown = true
	q.unfinished -= q.store.clear()
	if q.unfinished == 0 && q.idle != nil {
		q.idle.fire()
		q.idle = nil
	}
	q.getters.wakeAll()
	q.putters.wakeAll()
}

// Len returns the number of items in the queue.
func (q *Queue[T]) Len() int {
	q.lock()
	defer q.mu.Unlock()
	return q.store.len()
}

// Cap returns how many items the queue holds at most, 0 if unbounded.
func (q *Queue[T]) Cap() int { return q.capacity }

// Empty reports whether the queue holds no items: asyncio's empty().
func (q *Queue[T]) Empty() bool { return q.Len() == 0 }

// Full reports whether the queue holds Cap items: asyncio's full(). An
// unbounded queue is never full.
func (q *Queue[T]) Full() bool { return q.capacity > 0 && q.Len() >= q.capacity }

// All returns the consumer loop as an iterator: each item from Get, until
// the queue is shut down and drained, or ctx ends. It marks each item done
// after the loop's body has run, in a deferred call, so also when the body
// breaks out, panics or calls runtime.Goexit: the body does not call
// TaskDone. The loop ends the same way for a shutdown and for ctx: check
// ctx.Err() after it to tell the two apart.
func (q *Queue[T]) All(ctx context.Context) iter.Seq[T] {
	needContext(ctx)
	return func(yield func(T) bool) {
		for {
			v, err := q.Get(ctx)
			if err != nil {
				return
			}
			if !q.yieldDone(yield, v) {
				return
			}
		}
	}
}

func (q *Queue[T]) yieldDone(yield func(T) bool, v T) bool {
	defer q.TaskDone()
	return yield(v)
}

// lock takes q.mu. Under contention sync.Mutex parks the goroutine at once
// when other goroutines wait to run, and a park and a wake-up cost far more
// than the few instructions the holder, usually running on another core,
// still needs. So lock first yields a few times. With four producers and four
// consumers on two cores this takes a queue of 1,024 from 1.5x a channel's
// time per item to par (doc/benchmarks.md).
func (q *Queue[T]) lock() {
	if !q.mu.TryLock() {
		q.lockSlow()
	}
}

// lockSlow is lock when q.mu is held elsewhere. It counts itself in
// q.contending while it waits, for crowded.
func (q *Queue[T]) lockSlow() {
	q.contending.Add(1)
	defer q.contending.Add(-1)
	for range 3 {
		runtime.Gosched()
		if q.mu.TryLock() {
			return
		}
	}
	q.mu.Lock()
}

// crowded is called, with q.mu held, by a Put that finds the queue full or
// a Get that finds it empty, before it parks. If two or more goroutines are
// waiting for q.mu, more goroutines use the queue than there are cores to
// run them, and one of them is likely to make the room or bring the item
// this caller needs: then crowded yields the processor once, with q.mu
// released, and reports true, to look again. A park and its wake-up cost
// more than a yield: with four producers and four consumers on two cores, a
// queue of 64 parked once every sixteen items; with the yield, once every
// fifty to 140, and the time per item is 0.87x what it was. One waiter says
// nothing: with one producer and one consumer, each on its own core, the
// other side is often in lock's slow path; a parked producer lets its
// consumer drain the queue undisturbed, and a yield in its place, always or
// on one waiter, made 1x1 at capacity 1,024 up to 1.1x-1.4x slower; on two
// waiters it never yields there. bench/against, doc/benchmarks.md.
func (q *Queue[T]) crowded() bool {
	if q.contending.Load() < crowdedAt {
		return false
	}
	q.mu.Unlock()
	runtime.Gosched()
	q.lock()
	return true
}

// crowdedAt is how many goroutines waiting for a queue's lock make it
// crowded; see crowded.
const crowdedAt = 2
