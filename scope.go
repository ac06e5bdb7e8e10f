package scope

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// A Scope is a group of tasks that end together: asyncio's TaskGroup, trio's
// nursery. Make one with [Run] or [New]; the zero Scope is not usable: its
// methods panic, but for String, which is safe in logs.
//
// The first task that fails cancels the scope's context, with its error as the
// cause; [Scope.Wait] waits for every task, then returns nil or an [*Error]
// holding every failure. A Scope is safe for use by many goroutines.
type Scope struct {
	fixed
	_ [(64 - unsafe.Sizeof(fixed{})%64) % 64]byte // see fixed

	mu      sync.Mutex // guards the fields below; never held across a wait or a call into user code
	live    int        // tasks not yet returned, waiting ones included, plus Run's body
	ids     int        // tasks named so far, for "task-N"
	running taskList
	waited  bool        // Wait was called: the scope closes when live reaches 0
	noYield bool        // no crowd yields (see yield): one was long, or AsCompleted's caller reads outcomes
	closed  bool        // the scope closed: Go panics, Wait returns result
	ended   bool        // closeOutside has run: Wait returns at once
	aborted bool        // Run's body panicked or called Goexit: see abortBody
	exited  bool        // Run's body called Goexit: see Main
	claimed error       // the cause the first failure, or Cancel, is cancelling the scope with; see claim
	stop    error       // Cancel's cause: a clean stop, unless the context ended otherwise first
	errs    []error     // failures, in the order recorded
	names   []string    // names[i] is the task that returned errs[i]
	panic   *PanicError // Wait re-panics it: Run's body's, else the first task's unless captured
	result  error
	done    chan struct{} // closed as the closing ends; made by New, or by Run's first Wait that must block (see awaitClosed)

	doneErrs atomic.Pointer[[2]error] // the context's cause and Err once done; see causes
	ctxErr   atomic.Pointer[error]    // the context's Err once done; see doneErr
}

// fixed holds what a Scope sets as it is made and only reads after. The
// pad that follows it in Scope keeps these fields off the cache line of
// mu, which every start and finish of a task writes: without a pad, each
// task's read of s.tr, on another core, missed the cache (4.1% of
// fan-out's profile, 1.5% with it; fan-out of 10,000 6% faster,
// bench/against HEAD 6, p=0.002). The pad only fills fixed up to a whole
// number of cache lines, and a Scope's size class is a multiple of 64
// bytes, which puts every Scope at the start of a cache line (see
// TestScopeFitsItsSizeClass): so mu begins a line of its own, as it did
// behind a full 64-byte pad, in fewer bytes.
type fixed struct {
	ctx     context.Context // what tasks receive; cancelled by the first failure, Cancel, the parent, the deadline, or Wait
	cancel  context.CancelCauseFunc
	release context.CancelFunc
	cfg     config
	id      uint64      // for the tree: unique for the process's life; 0 if not tracked
	self    *Scope      // the scope itself, to tell a copy (see check)
	lim     *limit      // nil without WithLimit
	tr      *scopeTrack // nil unless tracking is on for the scope
	end     *time.Time  // the context's deadline, its own or its parent's, if on a testing/synctest bubble's clock (see late); else nil
}

// Run makes a scope, runs body on the calling goroutine with the scope's
// context, then waits for every task the scope started, as [Scope.Wait] does.
// It is the form to reach for: `async with asyncio.TaskGroup() as tg`.
//
// The body counts as a task: an error it returns is a failure like a task's
// (named "body"), and cancels the scope unless under [Supervise]. A panic in
// body, or a runtime.Goexit (t.FailNow), cancels the scope even under
// Supervise, waits for the tasks, then re-panics the original value (or
// lets the goroutine exit); a body panic beats any task panic. Calling Wait
// from body deadlocks.
//
// Run panics if ctx or body is nil.
func Run(ctx context.Context, body func(ctx context.Context, s *Scope) error, opts ...Option) error {
	if body == nil {
		panic("scope: Run with a nil body; pass the function that starts the tasks")
	}
	s := newScope(ctx, opts)
	s.live = 1 // the body
	if s.lim != nil {
		s.lim.reuse = true
	}
	exiting := true
	defer func() {
		if exiting { // runtime.Goexit in body (t.FailNow): cancel, wait, and let it go on
			s.abortBody(exited, nil)
		}
	}()
	nilPanic := s.callBody(body)
	exiting = false
	if nilPanic {
		s.abortBody(panicked, nil)
	}
	s.mu.Lock()
	s.leaveUnlock()
	return s.Wait()
}

// New makes a scope for tasks that outlive one function, such as a server's
// background tasks, and returns it with its context. Call [Scope.Wait] when
// done: it waits for the tasks and releases the scope's context.
//
// A finished task is released at once, but its failure is kept for Wait
// to report (about a hundred bytes for a plain error; a [*PanicError] also
// holds its stack). A long-lived scope under [Supervise] whose tasks fail
// often therefore grows with each failure: log failures as they come with
// [OnFailure] and let a task return nil for a failure it has handled, or
// give each unit of work a scope of its own.
//
// New panics if ctx is nil.
func New(ctx context.Context, opts ...Option) (*Scope, context.Context) {
	s := newScope(ctx, opts)
	s.done = make(chan struct{}) // here, on the side of a synctest bubble's edge the scope was made on: see awaitClosed
	return s, s.ctx
}

func newScope(parent context.Context, opts []Option) *Scope {
	needContext(parent)
	s := new(Scope)
	s.self = s
	for _, o := range opts {
		checkOption(o)
		o.apply(&s.cfg)
	}
	s.lim = newLimit(s.cfg.limit)
	parent = s.track(parent)
	if w := s.cfg.when; w != nil {
		if at := w.earliest(); ownDeadline(parent, at) {
			parent, s.release = context.WithDeadline(parent, at)
		}
		s.cfg.when = nil // the deadline's context has it now, or the parent's is earlier
	}
	if d, fake := fakeDeadline(parent); fake { // the parent's: a context whose Done is nil is seen as such
		end := d // declared in the branch, allocated in it only: &d escaped on every scope
		s.end = &end
	}
	s.ctx, s.cancel = context.WithCancelCause(parent)
	if s.tr != nil && s.tr.what&TrackTasks != 0 {
		s.watch()
		register(s) // last: a snapshot may read s as soon as it is listed
	}
	return s
}

// ownDeadline reports whether a scope whose deadline is at needs a timer of
// its own: parent does not end by then. A parent that ends at the same
// moment ends the scope: with two timers the scope's could fire first, and
// its DeadlineExceeded would reach the parent as a failure before the
// parent's context ended. So of nested scopes with one deadline only the
// outermost times out, as of asyncio's nested timeouts only the outermost
// raises TimeoutError.
func ownDeadline(parent context.Context, at time.Time) bool {
	d, ok := parent.Deadline()
	return !ok || d.After(at)
}

// Go starts fn in a new task of the scope, with the scope's context (or, for
// a [Shielded] task, a context of its own). Tasks may start more tasks while
// Wait waits.
//
// If the scope is cancelled, fn is not started (nor, in a testing/synctest
// bubble, at its deadline's instant: see [WithTimeout]). Under [WithLimit],
// Go blocks while the limit is full, until a slot frees or the scope is
// cancelled. Without a limit Go never blocks, but while more than 8 tasks
// run, every 8th Go yields its processor once to the tasks it started,
// which makes a fan-out of short tasks faster; behind tasks that compute
// for longer than a time slice, that yield keeps the caller off its
// processor for up to a slice per queued task (16 tasks of 100 ms on one
// processor: 310 ms), and the scope then yields no more. Tasks that
// compute belong under WithLimit(runtime.GOMAXPROCS(0)), where Go never
// yields so. Go panics if fn is nil or if Wait has returned: start tasks
// before Wait returns, or use [Scope.TryGo] where a task may race the
// scope's end.
func (s *Scope) Go(fn func(ctx context.Context) error, opts ...TaskOption) {
	if err := s.start(s.newTask(fn, nil, opts, 1), true); err == errClosed {
		panic("scope: Go called after Wait returned; start tasks before Wait returns, or use TryGo or a new scope")
	}
}

// TryGo starts fn in a new task, as [Scope.Go] does, and reports whether it
// did. It never blocks: it returns false, and never runs fn, when the limit is
// full, the scope is cancelled, or Wait has returned; s.Context().Err() tells
// the first from the others (but at the very instant of the scope's deadline
// in a testing/synctest bubble, where TryGo refuses while Err may still be
// nil: see [WithTimeout]). While Wait waits, TryGo still starts tasks
// (tasks may spawn tasks then): a server that must refuse new work while it
// drains a [New] scope sets a flag of its own before it calls Wait, or
// cancels the scope.
func (s *Scope) TryGo(fn func(ctx context.Context) error, opts ...TaskOption) bool {
	return s.start(s.newTask(fn, nil, opts, 1), false) == nil
}

// Wait waits for every task of the scope, then closes it: it returns nil if no
// task failed, or an [*Error] holding every failure. With no failure, it
// returns the parent's cause if the parent ended the scope,
// [context.DeadlineExceeded] if the scope's own deadline did, and nil after
// [Scope.Cancel]. If a task panicked, Wait re-panics its [*PanicError] on the
// calling goroutine once every task has returned (unless [CapturePanics]).
// So a sibling that ignores its context holds the re-panic back as long as
// it holds Wait; the panic is not hidden meanwhile: it is the cause of the
// scope's context at once, [OnFailure] hears it at once, and [Main]'s second
// signal prints it with its stack.
//
// Wait may be called more than once and from several goroutines; every call
// returns the same result. Once it returns, the scope's context is cancelled
// and [Scope.Go] panics. Calling Wait from a task of the scope, or from Run's
// body, deadlocks: the scope waits for the caller.
func (s *Scope) Wait() error {
	s.check()
	s.wait()
	if s.panic != nil {
		panic(s.panic)
	}
	return s.result
}

// wait is Wait without its re-panic, for a caller whose own panic must go
// on: AsCompleted's, when its loop's body panicked.
func (s *Scope) wait() {
	s.mu.Lock()
	closing := !s.waited && s.live == 0 // the first Wait closes a scope with nothing live
	s.waited = true
	if closing {
		s.awaitDeadline() // releases s.mu meanwhile, at its instant: see there
		closing = s.live == 0 && !s.closed
	}
	if closing {
		s.close()
	}
	s.mu.Unlock()
	if closing {
		s.closeOutside()
	}
	if s.tr != nil { // the task that made s is now blocked in its Wait
		defer unblock(blockedAs(taskOf(s.tr.parent), "Wait", s))
	}
	s.awaitClosed()
}

// panicked reports whether Wait will re-panic: a task panicked (or Run's
// body), and CapturePanics was not given.
func (s *Scope) panicked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.panic != nil
}

// awaitClosed blocks until the scope has closed and, if it reuses its
// goroutines, they have ended: the idle workers close sent away, and those
// whose task was the last.
//
// Run's scope makes the channel it waits on only when a Wait has to wait,
// so that an empty Run, or one whose tasks have ended when its body
// returns, allocates none (an empty Run: 416 bytes in 3 allocations, not
// 528 in 4); Run's own Wait makes it, on the goroutine that made the
// scope, unless another goroutine's Wait on the scope blocks first (from
// inside a testing/synctest bubble that Run is not in, that is fatal when
// Run's scope closes; such a Wait breaks Go's rule for bubbles, to make
// what a bubble uses inside it). A New scope makes it as it is made. Had its first blocking Wait
// made it, that Wait would decide on which side of a testing/synctest
// bubble's edge the channel is, and a Wait, or the closing by a last task,
// on the other side would kill the process (a receive from, or close of,
// a bubble's channel outside it is fatal): a package's long-lived scope
// waited for in a bubble's test, then at the program's end.
func (s *Scope) awaitClosed() {
	s.mu.Lock()
	if !s.ended && s.done == nil {
		s.done = make(chan struct{})
	}
	done, ended := s.done, s.ended
	s.mu.Unlock()
	if !ended {
		<-done
	}
	if s.lim != nil {
		s.lim.workers.Wait()
	}
}

// Cancel cancels the scope's context with cause (nil means
// [context.Canceled]): a clean stop. If no task fails, Wait returns nil, even
// if the parent ends later. Of two calls the first cause wins; after Wait has
// returned, or once the scope is cancelled by anything else, Cancel does
// nothing.
func (s *Scope) Cancel(cause error) {
	s.check()
	if cause == nil {
		cause = context.Canceled
	}
	if s.due() {
		awaitInstant(s.ctx) // the deadline, at its very instant, comes first: see late
	}
	s.mu.Lock()
	ok := s.claim(cause)
	if ok {
		s.stop = cause
	}
	claimed, closed := s.claimed, s.closed
	s.mu.Unlock()
	switch {
	case ok:
		s.cancelOutside(cause)
	case closed: // Wait has returned, or is about to: Cancel changes nothing
		s.cancel(context.Canceled) // closeOutside may not have yet: see there
	case claimed != nil:
		// A failure (or another Cancel) claimed the scope and may not have
		// cancelled it yet: cancel it as it will, its cause first, so that
		// the scope is cancelled once Cancel returns.
		s.cancelOutside(claimed)
	default: // the parent or the deadline did: show it at once, as for a tracked scope's watch
		s.markCancelled()
	}
}

// stopped reports whether Cancel stopped the scope: its cause is the
// context's. The parent may have been cancelled between Cancel's claim and
// its cancel; then the cause is the parent's, and Wait reports it. If the
// parent gave this very cause (see sameError), it is a tie and Cancel wins.
// s.mu is held.
func (s *Scope) stopped() bool {
	return s.stop != nil && sameError(context.Cause(s.ctx), s.stop)
}

// Context returns the scope's context: the one tasks receive, cancelled with
// the first failure as its cause, by [Scope.Cancel], by the parent, by the
// deadline, or when Wait returns.
func (s *Scope) Context() context.Context {
	s.check()
	return s.ctx
}

// Name returns the name given by [WithName], or "".
func (s *Scope) Name() string {
	s.check()
	return s.cfg.name
}

// Tasks returns a snapshot of the scope's live tasks, in the order they were
// started: those running and those waiting for the limit. It does not list
// Run's body, and it is empty once Wait has returned.
func (s *Scope) Tasks() []TaskInfo {
	s.check()
	s.mu.Lock()
	live := s.liveTasks()
	infos := make([]TaskInfo, len(live))
	for i, t := range live {
		infos[i] = t.info()
	}
	s.mu.Unlock()
	return infos
}

// String returns the scope's name and state, such as
// `scope "crawler" (cancelling, 3 tasks)`, for logs: the order of the
// scope's line in a [Tree].
func (s *Scope) String() string {
	if s == nil || s.ctx == nil {
		return "scope (not made by New or Run)"
	}
	s.mu.Lock()
	n, state := s.running.n+s.waiters(), StateRunning
	switch {
	case s.closed:
		state = StateClosed
	case s.isCancelled():
		state = StateCancelling
	}
	s.mu.Unlock()
	name, tasks := "scope", "tasks"
	if s.cfg.name != "" {
		name = fmt.Sprintf("scope %q", s.cfg.name)
	}
	if n == 1 {
		tasks = "task"
	}
	return fmt.Sprintf("%s (%s, %d %s)", name, state, n, tasks)
}

// check panics, with what to do, on a Scope not made by New or Run.
func (s *Scope) check() {
	if s == nil || s.ctx == nil {
		panic("scope: Scope not made by New or Run; use New or Run to make one")
	}
	if s.self != s {
		panic("scope: Scope copied; pass the *Scope that New or Run made, never a copy of what it points to")
	}
}

// checkOption panics with what to do if o is nil, which would otherwise
// fail in a nil dereference inside the option loop.
func checkOption(o Option) {
	if o == nil {
		panic("scope: nil Option; leave it out")
	}
}

// needContext panics with a clear message if ctx is nil, which would
// otherwise fail later, in a nil dereference far from the call, or not at
// all until the call has to wait.
func needContext(ctx context.Context) {
	if ctx == nil {
		panic("scope: nil Context; pass context.Background(), context.TODO() or the caller's context")
	}
}
