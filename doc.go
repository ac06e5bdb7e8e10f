// Package scope is structured concurrency for Go: Python's asyncio.TaskGroup,
// and the toolbox around it, for goroutines.
//
// Every goroutine that scope starts belongs to a [Scope]. A scope does not return
// until all of its tasks have returned, the first failure cancels the rest,
// every failure comes back as one [*Error] tree, and nothing it started runs on
// afterwards.
//
// # Run or New
//
// [Run] is the form to reach for. It makes a scope, runs a body that starts
// tasks, and waits for them:
//
//	err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
//		s.Go(fetchUsers, scope.Named("users"))
//		s.Go(fetchOrders, scope.Named("orders"))
//		return nil
//	})
//
// [New] makes a scope that outlives one function, such as a server's
// background tasks; call [Scope.Wait] when done.
//
// # Rules
//
//   - Fail fast. The first task (or body) that fails cancels the scope's
//     context, with its error as the [context.Cause] the siblings see.
//   - Every failure is kept. Wait returns nil or an [*Error] of every failure,
//     in the order recorded, each with the name of its task; a nested scope's
//     *Error stays whole inside it. [errors.Is] and [errors.As] see through.
//   - Cancellation is not failure. Once the scope is cancelled, an error that
//     only reports that cancellation (ctx.Err(), the cause, or either wrapped)
//     is dropped. With no failure, Wait returns the parent's cause itself (not
//     wrapped in an *Error), or [context.DeadlineExceeded] for the scope's
//     own deadline; after [Scope.Cancel], nil.
//   - Panics are not lost. A panicking task cancels its siblings at once, and
//     Wait re-panics its [*PanicError] once they have returned; with
//     [CapturePanics] it is a failure like any other. runtime.Goexit in a task
//     fails it with [ErrGoexit] and never hangs the scope.
//   - Nothing outlives the scope. The scope owns each task until it returns
//     ([Scope.Tasks] lists them) and drops it at once; after Wait returns,
//     [Scope.Go] panics and [Scope.TryGo] returns false.
//
// Options shape a scope: [WithLimit], [WithTimeout], [WithDeadline],
// [WithName], [Supervise], [CapturePanics], [OnFailure], [WithTracking]; and
// a task: [Named], [Shielded], [ValuesFrom]. Given twice, the last of an
// option wins, but for the deadlines, where the earliest does, for
// WithTracking, whose flags add up, and for ValuesFrom, whose values do
// (the later's win where both hold a key).
//
// # Tasks with results, and the toolbox
//
// [Spawn] starts a task whose result a [Task] holds (asyncio's create_task);
// [Start] waits until a task says it is ready (trio's nursery.start). Each
// helper runs its functions in a scope of its own, so nothing it starts
// outlives the call: [Gather] (results in order, fail fast), [Settle]
// (every outcome, errors included), [AsCompleted] (outcomes as they come,
// as an iterator), [Race] (the first success), [Map] (a function over a
// slice, under a limit if given). [Sleep] is asyncio.sleep, and [Main]
// runs a program's body as asyncio.run does, the first SIGINT or SIGTERM
// cancelling it.
//
// # Queue
//
// [Queue] is asyncio.Queue for goroutines: FIFO ([NewQueue]), LIFO
// ([NewLIFOQueue]) or by priority ([NewPriorityQueue]), bounded or not,
// with TaskDone and Join to wait until every item put is handled,
// Shutdown to stop it, and All to range over it as a consumer. Put, Get
// and Join give up when their context ends and then change nothing.
//
// # Seeing what runs
//
// [Scope.Tasks] lists a scope's live tasks. With tracking on ([WithTracking],
// [SetTracking], or SCOPE_TRACK=tasks in the environment), [Snapshot] gives
// the tree of every live scope and task, with states, ages, spawn sites and
// what each waits on, as text or JSON; task goroutines carry pprof labels;
// the sub-package scopehttp serves the tree beside net/http/pprof, and
// scopetest fails a test that leaves a scope or task behind, naming it.
//
// # Testing
//
// Everything scope starts runs inside the scope that started it, and every
// wait blocks on a channel, so code that uses scope works inside a
// testing/synctest bubble: fake time advances through timeouts, and
// synctest.Wait settles while Wait or a Go blocked on the limit waits.
//
// The full list of rules, each with the test that pins it, is doc/semantics.md
// in the repository.
package scope
