package scope

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// TaskInfo describes a live task, as listed by [Scope.Tasks].
type TaskInfo struct {
	Name    string    // from Named, or a generated "task-N"
	State   string    // StateRunning, StateWaiting (blocked on the limit), StateCancelling (its context is done)
	Started time.Time // zero unless tracking is on
	Site    string    // file:line of the Go/Spawn call, the file as runtime.Frame.File has it (a full path, or the module's path under -trimpath); empty unless tracking is on
	WaitsOn string    // what the task is blocked in, such as "Queue.Get" or `Wait scope "crawler"`; empty unless tracking is on
}

// The states of a task, as reported in [TaskInfo] and a [Node], and of a
// scope in a Node: running and cancelling, then closed.
const (
	StateRunning    = "running"    // running, its context live
	StateWaiting    = "waiting"    // a task registered, blocked on the scope's limit
	StateCancelling = "cancelling" // running, its context done; a scope's tasks may still run
	StateClosed     = "closed"     // a scope whose Wait has returned
)

// A task is one call of fn in a scope. It sits in the scope's running or
// waiting list from the call that starts it until fn has returned.
type task struct {
	s        *Scope
	fn       func(ctx context.Context) error // Go's function; nil when out runs the task's (see outcome)
	ctx      context.Context                 // what fn receives: the scope's own, unless shielded
	name     string                          // from Named; "" means "task-<id>", formatted when someone looks
	id       int
	shielded bool
	tr       *taskTrack // nil unless the scope tracks its tasks

	out        outcome // nil for Go: who else hears how the task ended
	prev, next *task   // in s.running or s.lim.waiting; guarded by s.mu
	waiting    bool    // in s.lim.waiting; guarded by s.mu
	started    *wake   // a waiting task's: signalled when it is handed a slot

	launch func() // t.begin, bound once per struct and kept by recycle: see goRun
}

// An outcome runs a task's function and hears how it ended, for Spawn,
// Start and AsCompleted. Its methods run in this order. numbered, as the
// call that starts the task numbers it: the task struct is the scope's
// from then on, recycled once done, so a Task takes its number from here,
// never from the struct. call runs the function the caller gave, which the
// outcome holds, so that the task needs no closure to wrap it (one
// allocation fewer a Spawn; doc/benchmarks.md). keep says whether the
// scope takes the outcome (Start's caller takes it until ready). done runs
// after the scope recorded it and the task left the scope's lists and gave
// up its slot, before it is counted out: so a Task that is done no longer
// shows in Tasks nor holds a slot (asyncio drops a task from its TaskGroup
// before its awaiters wake), and it is done before its scope's Wait can
// return. release runs last, once the task is counted out, to free what
// the outcome held (see wrapUp).
type outcome interface {
	call(ctx context.Context) error
	numbered(id int)
	keep(how int, err error) bool
	done(how int, err error)
	release()
}

// errClosed and errFull say why start did not start a task; neither escapes.
var (
	errClosed = errors.New("scope: closed")
	errFull   = errors.New("scope: limit full")
)

// How a task's function ended.
const (
	returned = iota
	panicked
	exited // runtime.Goexit
)

// newTask makes the task that fn, or out's function, runs in (out is nil
// for Go). up counts the frames between newTask and the user's call (Go:
// 1; Spawn: spawn and Spawn, 2), for the task's site when tracking is on.
func (s *Scope) newTask(fn func(ctx context.Context) error, out outcome, opts []TaskOption, up int) *task {
	s.check()
	if fn == nil && out == nil {
		s.refuse("scope: nil task function; pass the function the task runs")
	}
	t := pooledTask()
	t.s, t.fn, t.out, t.ctx = s, fn, out, s.ctx
	for _, o := range opts {
		if o == nil {
			s.refuse("scope: nil TaskOption; leave it out")
		}
		o.applyTask(t)
	}
	if t.shielded {
		t.ctx = context.WithoutCancel(t.ctx) // the scope's, or ValuesFrom's on top of it
	}
	if s.tr != nil {
		s.trackTask(t, up)
	}
	return t
}

// refuse panics with msg, what to do about a misused call that starts a
// task, after counting the call: task-N counts every Go, TryGo, Spawn,
// TrySpawn and Start call, whether its task started or not.
func (s *Scope) refuse(msg string) {
	s.mu.Lock()
	s.ids++
	s.mu.Unlock()
	panic(msg)
}

// start registers t and starts it. When the limit is full it queues t and,
// if wait is set, blocks until t is handed a slot. It returns nil once t runs,
// or why t never will: errClosed, errFull, or the scope's cause.
func (s *Scope) start(t *task, wait bool) error {
	s.mu.Lock()
	s.ids++
	t.id = s.ids
	if t.tr != nil {
		t.tr.id = t.id
	}
	if t.out != nil {
		t.out.numbered(t.id)
	}
	switch {
	case s.closed:
		s.mu.Unlock()
		s.cancel(context.Canceled) // closeOutside may not have yet: see there
		return errClosed
	case s.ctx.Err() != nil:
		s.mu.Unlock()
		return context.Cause(s.ctx)
	case s.late():
		s.mu.Unlock()
		return context.DeadlineExceeded
	case !s.full():
		s.live++
		s.running.push(t)
		if s.lim != nil {
			s.lim.slots++
			if w := s.lim.takeIdle(); w != nil { // an idle worker takes it: no new goroutine
				s.mu.Unlock()
				w <- t
				return nil
			}
		}
		crowded := s.lim == nil && s.running.n > crowd && s.ids%crowd == 0 && !s.noYield
		s.mu.Unlock()
		s.goRun(t)
		if crowded { // see crowd
			s.yield()
		}
		return nil
	case !wait:
		s.mu.Unlock()
		return errFull
	}
	s.live++
	w := s.lim.wakes.get()
	if w == nil {
		w = &wake{make(chan struct{}, 1)}
	}
	t.waiting, t.started = true, w
	s.lim.waiting.push(t)
	s.mu.Unlock()
	return s.awaitSlot(t, w)
}

// crowd is how many running tasks make a scope without a limit crowded.
// While more than crowd tasks run, every crowd-th Go yields the processor
// once, which then runs the tasks queued on it before Go starts more. Why
// that is faster is not measured; likely, a caller that never yields fills
// its processor's queue (256 goroutines) and spills the rest to the
// scheduler's global queue, and the tasks run later, their structs no
// longer in a cache. bench/against HEAD 10 FanOut, ten runs each, each
// crowd against the one before: 256 against no yield, fan-out of 10,000
// 0.75x [0.72–0.80], of 1,000 0.91x [0.85–1.03]; 64 against 256, 0.79x and
// 0.87x; 16 against 64, 0.64x [0.55–0.95] and 0.68x [0.61–0.93], every run
// faster; 8 against 16, 0.81x [0.71–0.91] and 0.84x [0.72–0.98] (benchstat
// p=0.011 and 0.002), which puts a fan-out at 0.47x and 0.55x the time of
// raw goroutines; 4 against 8, 0.92x and 0.91x, not significant (p=0.28
// and 0.19): 8 it is. Yielding on every Go past 256 instead cost more than
// it saved when the machine ran fast (n=1,000 up to 1.64x).
//
// A yield lets the tasks started so far run before Go starts the next, so
// tasks that fail at once can cancel the scope before it does: the yield
// waits for more than 8 tasks, and a body that starts a few tasks which
// all fail reports every failure (trio's tests expect as much). A yield at the scope's second task, to learn early that tasks
// compute (see yield), lost a failure of three in 1,926 of 2,000 runs
// (3 before), and was taken back out.
const crowd = 8

// yield gives the processor to the tasks queued on it, for crowd. If that
// kept the caller off the processor longer than longYield, the tasks are
// long (they compute, say, and do not block), and every further yield would
// hold Go back as long again: a loop starting 200 tasks of 2 ms each, on
// two cores, took 200 ms to return instead of 0.3 ms. So the scope yields
// no more, and such a loop takes about one yield's time: as long as the
// processor takes to give each task queued before the caller its turn, up
// to a time slice each (some 10 to 20 ms) for tasks that compute longer.
// A loop starting 16 tasks of 100 ms on one processor returned after
// 310 ms, on two after up to 150 ms (errgroup's, in microseconds).
func (s *Scope) yield() {
	start := time.Now()
	runtime.Gosched()
	if time.Since(start) > longYield {
		s.mu.Lock()
		s.noYield = true
		s.mu.Unlock()
	}
}

// longYield is how long a crowd yield may take before the scope stops
// yielding. Over fan-outs of 1,000 and 10,000 trivial tasks, 99.7% of
// yields took under 10 µs and 7 in 150,000 over 1 ms; with 2 ms of
// computing in each task, most took over 1 ms (a throwaway histogram). At
// 100 µs, a fan-out of 10,000 took 1.29x as long (bench/against HEAD 6
// FanOut, p=0.009): the rare slow yield of trivial tasks (a collection,
// the thread descheduled) stopped their scope's yields. At 1 ms the
// fan-outs cost what they did (ten runs, no significant difference).
const longYield = time.Millisecond

// goRun starts a goroutine that runs t. In a scope that reuses its
// goroutines, the scope's workers count it until it ends, so that Wait
// outlives it (see listIdle).
func (s *Scope) goRun(t *task) {
	if s.lim != nil && s.lim.reuse {
		s.lim.workers.Add(1)
	}
	// `go s.run(t)` allocates a closure for its arguments; a func value
	// without any does not, and t's launch is bound once per pooled struct.
	// So a task costs no allocation (bench/against FanOut, n=1,000: 1,004
	// allocations a fan-out before, 4 after).
	go t.launch()
}

// begin runs t on the goroutine goRun started for it: t.launch.
func (t *task) begin() { t.s.run(t) }

// run runs t, then each waiting task that t's slot is handed to, on one
// goroutine; in a scope that reuses its goroutines, it then waits idle for
// the next task (see listIdle).
func (s *Scope) run(t *task) {
	var work chan *task
	if s.lim != nil && s.lim.reuse {
		defer s.lim.workers.Done()
		work = make(chan *task, 1)
	}
	for t != nil {
		how, err := t.call()
		next, idle, closing := s.finish(t, err, how, work)
		s.wrapUp(t, closing)
		recycle(t)
		if idle {
			next = s.awaitWork(work)
		}
		t = next
	}
}

// call runs t's function, turning a panic into a *PanicError. A Goexit cannot
// be stopped: then guard never returns, and call finishes t itself, handing
// its slot to a new goroutine, as the goroutine goes on exiting.
func (t *task) call() (how int, err error) {
	how = exited // until guard returns
	defer func() {
		if how == exited {
			next, _, closing := t.s.finish(t, ErrGoexit, exited, nil)
			t.s.wrapUp(t, closing)
			if next != nil {
				t.s.goRun(next)
			}
		}
	}()
	return t.guard()
}

// wrapUp does what finish leaves to its caller: it frees what t's outcome
// held (a Task's context) and, if t was the last task of a scope that
// closes, ends the closing (closeOutside). Both cancel contexts, whose
// frames, on top of finish's and its deferred call's, outgrew a task
// goroutine's first stack of 2 KB, and copying the stack to a larger one
// cost more than the rest of the task: called from here, Spawn's fan-out
// takes 0.42x the time at n=10, 0.38x at n=1,000 (bench/against HEAD 8
// Spawn, p=0.000; doc/benchmarks.md).
func (s *Scope) wrapUp(t *task, closing bool) {
	if t.out != nil {
		t.out.release()
	}
	if closing {
		s.closeOutside()
	}
}

// guard runs t's function and recovers its panic. It is a function of its own
// so that call can tell a Goexit (guard does not return) from a panic(nil)
// under GODEBUG=panicnil=1 (recover returns nil, and guard returns).
func (t *task) guard() (how int, err error) {
	how = panicked // until fn returns
	defer func() {
		if how == panicked {
			err = recovered(recover(), t.Name())
		}
	}()
	if t.s.tr != nil {
		return returned, t.callTracked()
	}
	err = t.invoke(t.ctx)
	return returned, err
}

// invoke calls t's function with ctx: Go's fn, or the function its
// outcome holds.
func (t *task) invoke(ctx context.Context) error {
	if t.out != nil {
		return t.out.call(ctx)
	}
	return t.fn(ctx)
}

// finish records how t ended, tells its outcome, counts it out, and returns
// the waiting task its slot is handed to, if any; or, in a scope that reuses
// its goroutines, whether the goroutine was listed as an idle worker, to
// wait on work (nil when it may not be: the Goexit path); and whether the
// scope closed, for the caller to end the closing (see wrapUp). All but the
// recording is deferred: OnFailure and an error's Is method are user code,
// and if one of them panics or calls Goexit, t must still be told and
// counted out, the closing ended, and the next task given a goroutine of
// its own.
func (s *Scope) finish(t *task, err error, how int, work chan *task) (next *task, idle, closing bool) {
	finished, left := false, false
	defer func() {
		s.mu.Lock()
		if !left {
			next = s.unlink(t)
		}
		if next == nil && finished && work != nil {
			idle = s.listIdle(work) // before done's unlocking, so that a Go meanwhile finds the worker
		}
		if t.out != nil { // see outcome
			s.mu.Unlock()
			t.out.done(how, err)
			s.mu.Lock()
		}
		closing = s.leaveUnlocked()
		if !finished { // no caller will see the results: do their work here
			s.wrapUp(t, closing)
			closing = false
			if next != nil {
				s.goRun(next)
				next = nil
			}
		}
	}()
	keep := t.out == nil || t.out.keep(how, err)
	if err != nil && keep {
		if name, tell := s.record(t.name, t.id, t.ctx, err, how); tell {
			s.leave(t)
			left = true
			s.cfg.onFailure(name, err)
		}
	}
	finished = true
	return nil, false, false
}

// leave takes t, a task that failed, off the running list and passes its
// slot of the limit on, before OnFailure hears of the failure: so f can
// start a task in its place under a full limit (a TryGo from f succeeds,
// a Go does not wait for t), and a waiting task it handed the slot to
// starts at once on a goroutine of its own, not after f on t's. t is still
// counted live, so Wait cannot return while f runs.
func (s *Scope) leave(t *task) {
	s.mu.Lock()
	next := s.unlink(t)
	s.mu.Unlock()
	if next != nil {
		s.goRun(next)
	}
}

// unlink takes t, which has returned, off the running list and passes its
// slot of the limit on: to the first waiting task, which it returns, or
// back to the limit. A slot freed at the very instant of the scope's
// deadline on a bubble's clock is not handed on: unlink first waits for
// the deadline to end the context (see late), so the deadline wins that
// tie every run, and t is listed, holding its slot, meanwhile. s.mu is
// held, and released while it waits.
func (s *Scope) unlink(t *task) (next *task) {
	if s.lim == nil {
		s.running.remove(t)
		return nil
	}
	if s.end != nil && s.lim.waiting.head != nil {
		s.awaitDeadline()
	}
	s.running.remove(t)
	return s.handOff()
}

// taskPool recycles task structs, so that a task costs no allocation in
// steady state: neither its struct nor, with its launch, its go statement
// (bench/ BenchmarkFanOut; a raw goroutine's closure costs one). A build
// that made each task new was 1.14x slower at n=1,000, 1.09x at 10,000
// (bench/against HEAD 10 FanOut), and 1.27x at n=10 (a scratch benchmark,
// ten interleaved runs, p=0.023). It holds no channel and no goroutine, so
// it is safe across synctest bubbles.
var taskPool sync.Pool // of *task, each with its launch bound: see pooledTask

// pooledTask returns a task from the pool, or a new one, with its launch
// bound. (A New function for the pool would make an initialization cycle:
// taskPool, begin, run, recycle, taskPool.)
func pooledTask() *task {
	if t, ok := taskPool.Get().(*task); ok {
		return t
	}
	t := new(task)
	t.launch = t.begin
	return t
}

// recycle returns a finished task to the pool: it is unlinked, and only its
// goroutine still refers to it (a Go that waited for the limit holds only the
// task's wake; a tracked task's context, its taskTrack, does not point back;
// a Task, a Start or AsCompleted keep their outcome, which does not either).
func recycle(t *task) {
	*t = task{launch: t.launch}
	taskPool.Put(t)
}

// Name returns the task's name: from Named, or "task-N".
func (t *task) Name() string { return taskName(t.name, t.id) }

func taskName(name string, id int) string {
	if name != "" {
		return name
	}
	return "task-" + strconv.Itoa(id)
}

func (t *task) info() TaskInfo {
	state := StateRunning
	switch {
	case t.waiting:
		state = StateWaiting
	case t.isCancelled():
		state = StateCancelling
	}
	i := TaskInfo{Name: t.Name(), State: state}
	if t.tr != nil {
		i.Started, i.Site = t.tr.born, t.siteOf()
		i.WaitsOn = t.tr.waits.String()
	}
	return i
}

// taskList is an intrusive doubly linked list of tasks, so that adding and
// removing a task costs no allocation.
type taskList struct {
	head, tail *task
	n          int
}

func (l *taskList) push(t *task) {
	t.prev, t.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = t
	} else {
		l.head = t
	}
	l.tail = t
	l.n++
}

func (l *taskList) remove(t *task) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		l.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		l.tail = t.prev
	}
	t.prev, t.next = nil, nil
	l.n--
}
