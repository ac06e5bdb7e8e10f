package scope

import (
	"context"
	"fmt"
	"time"
)

// An Option configures a scope: pass it to [Run], [New], [Map], [Main], or
// scopetest.Run. Options are
// applied in order; for [WithTimeout] and [WithDeadline] the earliest deadline
// wins, [WithTracking]'s flags add up, for the others the last option wins.
type Option interface {
	apply(*config)
}

// A TaskOption configures one task: pass it to [Scope.Go], [Scope.TryGo],
// [Spawn], [TrySpawn] or [Start].
type TaskOption interface {
	applyTask(*task)
}

// config holds a scope's options. Its zero value is the default: no name, no
// limit, no deadline, fail fast, re-panic in Wait.
type config struct {
	name      string
	limit     int       // 0: none
	when      *deadline // nil: none; read only as the scope is made, so kept apart to keep a Scope small (see fixed)
	onFailure func(task string, err error)
	track     Tracking
	supervise bool
	panics    bool // under supervise, a panic still cancels: the helpers' rule
	capture   bool
}

// A deadline is what WithTimeout and WithDeadline asked of a scope, until
// the scope is made and its context has the earliest of them.
type deadline struct {
	at       time.Time
	set      bool            // at is set: the zero time is a deadline too, long past
	timeouts []time.Duration // turned into deadlines when the scope is made
}

type option func(*config)

func (f option) apply(c *config) { f(c) }

// WithLimit lets at most n tasks of the scope run at once. A [Scope.Go] that
// finds the limit full registers its task as waiting and blocks until a running
// task hands it its slot, or until the scope is cancelled; [Scope.TryGo]
// returns false instead. Waiting tasks start in the order of their calls. The
// body of [Run] does not take a slot.
//
// A task that calls Go on its own scope while the limit is full waits, like
// any caller, for a sibling's slot; if every running task does that, no slot
// ever frees and the scope deadlocks, as with errgroup's SetLimit. A crawler
// whose tasks start a task for each link they find is that shape. Feed the
// links to a few workers through a [Queue], as the Queue's example does:
// one bound for the whole crawl. Or let its tasks call TryGo and do the
// work themselves when it refuses (checking ctx first, since TryGo also
// refuses once the scope is cancelled; a slow link then holds up the rest
// of that task's links). Or open a nested scope for each task's own
// fan-out, with a limit of its own (the bounds then multiply).
//
// A task that finishes while others wait hands its goroutine to the first of
// them. [Run]'s scope also keeps the goroutine of a task that finished with
// none waiting, idle, for the next Go, until the scope closes: so it runs
// its tasks on at most n goroutines, like a pool (and, while [OnFailure]'s
// f runs for a failed task, on that task's goroutine too: the failed task
// has passed its slot on), and Wait waits for them to end. A [New] scope,
// whose Go may come from anywhere (from inside a testing/synctest bubble,
// say), keeps none idle.
//
// So a task under a limit may run on a goroutine that an earlier task ran
// on, and finds what that task left on it: an OS thread it locked
// (runtime.LockOSThread) and did not unlock, which the runtime would
// otherwise end with the goroutine; profiler labels it set with
// pprof.SetGoroutineLabels (in an untracked scope: tracking sets a task's
// labels itself); debug.SetPanicOnFault. And its profiler labels are those
// of the goroutine that started that goroutine, not its own Go caller's:
// label a task's work inside it, with pprof.Do, not around Go. A task that
// leaves its thread locked on purpose, or needs a goroutine of its own, runs
// that work in a nested scope without a limit: such a scope starts a
// goroutine for every task.
//
// WithLimit panics if n < 1: leave the option out for no limit.
func WithLimit(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("scope: WithLimit(%d): the limit must be at least 1; leave the option out for no limit", n))
	}
	return option(func(c *config) { c.limit = n })
}

// WithTimeout cancels the scope d after it is made, with cause
// [context.DeadlineExceeded]; if no task failed, Wait then returns that error.
// The clock starts when the scope is made, not when the option is; d <= 0
// cancels the scope as it is made, as [context.WithTimeout] does.
//
// errors.Is(err, context.DeadlineExceeded) holds both for the scope's own
// deadline and for a task that failed on a timeout of its own (an *Error
// holding it). To tell them apart, as a handler choosing between 504 and
// 502 must: the scope's deadline, or its parent's, is Wait's error itself,
// err == context.DeadlineExceeded; a task's is inside an [*Error].
//
// In a testing/synctest bubble, at the deadline's very instant the scope
// acts as cancelled by it even before its timer has fired: a Go then starts
// nothing, a task that ends then hands its slot of the limit to no waiting
// task, a Cancel comes after the deadline, and if the scope closes then,
// Wait returns DeadlineExceeded. So a task that ends, or a Go that comes, at
// that instant of fake time does not race the timer: the deadline wins, as
// asyncio's timeout does. A parent's deadline counts too. On the real clock
// the timer decides.
func WithTimeout(d time.Duration) Option {
	return option(func(c *config) {
		w := c.deadlines()
		w.timeouts = append(w.timeouts, d)
	})
}

// WithDeadline cancels the scope at t, with cause [context.DeadlineExceeded];
// if no task failed, Wait then returns that error. A t already past, the
// zero time included, cancels the scope as it is made, as
// [context.WithDeadline] does. In a testing/synctest bubble, once t has
// come the scope acts as cancelled, as for [WithTimeout].
func WithDeadline(t time.Time) Option {
	return option(func(c *config) { c.deadlines().setEarliest(t) })
}

// WithName names the scope, for [Scope.Name], [Scope.String] and the tree of
// running scopes.
func WithName(name string) Option {
	return option(func(c *config) { c.name = name })
}

// Supervise makes the scope a supervisor: a task's failure, panic or Goexit
// cancels nothing, and every task runs to its end. Every failure is still
// reported by Wait, and a panic is still re-panicked there unless
// [CapturePanics] is given. Run's body counts as a task: an error it
// returns cancels nothing either, and Run waits for the tasks to end. Only
// a panic or a Goexit in the body cancels the scope, or it would wait
// behind tasks that may never end; a body that gives up on the tasks
// calls s.Cancel before it returns its error.
func Supervise() Option {
	return option(func(c *config) { c.supervise = true })
}

// supervisePanics is Supervise, except that a panic still cancels the
// others: how Settle, Race and AsCompleted run their functions.
var supervisePanics = option(func(c *config) { c.supervise, c.panics = true, true })

// panicsCancel is the helpers' rule for the caller's options: under
// Supervise, a panic still cancels the others.
var panicsCancel = option(func(c *config) { c.panics = true })

// CapturePanics makes Wait report a task's panic as a [*PanicError] inside the
// [*Error] instead of re-panicking it. The panic still cancels the siblings at
// once (unless [Supervise] is given).
func CapturePanics() Option {
	return option(func(c *config) { c.capture = true })
}

// OnFailure calls f for each failure of the scope (an error that is not
// cancellation noise, a panic, a Goexit) right after it is recorded, on the
// goroutine that failed, so a long-lived scope can log failures long before its
// Wait. task is the name of the task, or "body" for Run's body. By the time f
// runs, the failing task has left [Scope.Tasks] and passed its slot of
// [WithLimit] on. Under [Supervise], then, the first task waiting for a
// slot starts at once, and f can restart the failed task: a [Scope.TryGo]
// from f succeeds unless other tasks fill the limit, and a Go from f waits
// only for them. Without Supervise the failure has already cancelled the
// scope: waiting tasks are dropped, and TryGo from f returns false. The
// scope counts the failing task until f returns, so Wait cannot return
// meanwhile. A panic's err is a [*PanicError], whose Error holds its stack
// after the first line: log that line alone where a stack is too much.
//
// f runs on the failing goroutine, so what it does there counts: a Goexit in
// f (t.Fatal) ends that goroutine, and the task is still counted out; a panic
// in f for a task crashes the program, as any goroutine's panic does; for
// Run's body it is the body's panic.
//
// OnFailure panics if f is nil.
func OnFailure(f func(task string, err error)) Option {
	if f == nil {
		panic("scope: OnFailure(nil): pass the function to call for each failure, or leave the option out")
	}
	return option(func(c *config) { c.onFailure = f })
}

// deadlines returns what the scope's deadline options asked so far, made by
// the first of them.
func (c *config) deadlines() *deadline {
	if c.when == nil {
		c.when = new(deadline)
	}
	return c.when
}

// setEarliest makes t the deadline unless an earlier one was asked. The
// zero time is a deadline too, long past.
func (d *deadline) setEarliest(t time.Time) {
	if !d.set || t.Before(d.at) {
		d.at, d.set = t, true
	}
}

// earliest returns the earliest deadline asked, each timeout counted from
// now: as the scope is made.
func (d *deadline) earliest() time.Time {
	if len(d.timeouts) > 0 {
		now := time.Now()
		for _, t := range d.timeouts {
			d.setEarliest(now.Add(t))
		}
	}
	return d.at
}

type named string

func (n named) applyTask(t *task) { t.name = string(n) }

// Named names a task. The name is shown in errors, [Scope.Tasks], the tree of
// running scopes and profiler labels. An unnamed task, or one named "", is
// called "task-N", N counting from 1 per scope over every call that starts a
// task, started or not (a misused call that panicked too). Names need not
// be unique.
func Named(name string) TaskOption { return named(name) }

type shielded struct{}

func (shielded) applyTask(t *task) { t.shielded = true }

// Shielded makes a task's context ignore the cancellation of the scope, of its
// parent and of its deadline, while keeping the scope's values: the task
// runs to its own end, and the scope still waits for it, so [WithTimeout] does
// not bound how long Wait waits for it. Use it for work that must finish once
// begun, such as committing what was already done.
//
// A shielded task spawned into a scope that is already cancelled is not
// started: cleanup that begins after cancellation belongs inside the cancelled
// task, under [context.WithoutCancel].
func Shielded() TaskOption { return shielded{} }

type valuesFrom struct{ ctx context.Context }

func (v valuesFrom) applyTask(t *task) { t.ctx = &valuesCtx{Context: t.ctx, values: v.ctx} }

// ValuesFrom gives the task the values of ctx on top of its scope's
// context: a request's trace ID and logger, say, for a task that a handler
// starts in a server's long-lived scope. The task's cancellation and
// deadline stay the scope's (ctx's are ignored), and so do the scope's
// values that ctx lacks; where both hold a key, ctx's value wins. asyncio's
// create_task copies the caller's contextvars into the task (or takes
// context=); a Go task gets its scope's context, whatever context the
// caller holds, unless given this.
//
// The task gets a context of its own, which costs an allocation. Given
// twice, the later ctx's values win over the earlier's. ValuesFrom panics
// if ctx is nil.
func ValuesFrom(ctx context.Context) TaskOption {
	if ctx == nil {
		panic("scope: ValuesFrom(nil); pass the context whose values the task needs, or leave the option out")
	}
	return valuesFrom{ctx}
}

// A valuesCtx is a task's context with the values of another on top (see
// ValuesFrom). The scope's own key, which places a scope made in the task
// in the tree, is always answered by the scope's side: a request's context
// may hold the key of the handler's own task.
type valuesCtx struct {
	context.Context                 // the scope's, or shielded from it: cancellation, deadline, and values ctx lacks
	values          context.Context // ValuesFrom's
}

func (c *valuesCtx) Value(key any) any {
	if key != (nodeKey{}) {
		if v := c.values.Value(key); v != nil {
			return v
		}
	}
	return c.Context.Value(key)
}
