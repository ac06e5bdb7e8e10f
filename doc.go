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
// a task: [Named], [Shielded]. Given twice, the last of an option wins, but
// for the deadlines, where the earliest does, and for WithTracking, whose
// flags add up.
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
