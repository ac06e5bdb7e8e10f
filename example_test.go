package scope_test

// These examples run as tests: keep them in step with the package
// documentation.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/structuredgo/scope"
)

// Run is `async with asyncio.TaskGroup() as tg`: the body starts tasks, and
// Run returns once every one of them has returned.
func ExampleRun() {
	results := make([]int, 3)
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		for i := range results {
			s.Go(func(ctx context.Context) error {
				results[i] = i * i // each task writes its own slot
				return nil
			})
		}
		return nil
	})
	fmt.Println(results, err)
	// Output: [0 1 4] <nil>
}

// The first failure cancels the siblings, with itself as the cause; their
// "context canceled" is noise, and Wait reports the failure alone.
func ExampleScope_Go() {
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done() // a slow request, cut short
			fmt.Println("sibling cancelled by:", context.Cause(ctx))
			return ctx.Err()
		}, scope.Named("slow"))
		s.Go(func(ctx context.Context) error {
			return errors.New("connection refused")
		}, scope.Named("fetch"))
		return nil
	})
	fmt.Println(err)
	// Output:
	// sibling cancelled by: connection refused
	// scope: 1 failure: connection refused
}

// New and Wait are for tasks that outlive one function, such as a server's
// background work. Cancel is a clean stop: Wait returns nil.
func ExampleNew() {
	s, ctx := scope.New(context.Background(), scope.WithName("background"))
	s.Go(func(ctx context.Context) error {
		<-ctx.Done() // serve until stopped
		return ctx.Err()
	}, scope.Named("janitor"))
	fmt.Println(s, len(s.Tasks()))

	s.Cancel(nil) // shutting down
	fmt.Println(s.Wait(), ctx.Err())
	// Output:
	// scope "background" (running, 1 task) 1
	// <nil> context canceled
}

// WithLimit runs at most n tasks at once; Go blocks while the limit is full,
// TryGo refuses, and a finishing task hands its slot to the next one waiting.
func ExampleWithLimit() {
	release := make(chan struct{})
	var running, peak atomic.Int32
	work := func(ctx context.Context) error {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		running.Add(-1)
		return nil
	}
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		s.Go(work)
		s.Go(work)
		fmt.Println("room for a third:", s.TryGo(work)) // both slots held until release
		close(release)
		for range 20 {
			s.Go(work) // blocks until a slot frees
		}
		return nil
	}, scope.WithLimit(2))
	fmt.Println("at most 2 at once:", peak.Load() <= 2, err)
	// Output:
	// room for a third: false
	// at most 2 at once: true <nil>
}

// TryGo is for work that may race the scope's end, such as a server's
// connections arriving while it shuts down: it starts the task, or reports
// that it did not, where Go would panic after Wait.
func ExampleScope_TryGo() {
	s, _ := scope.New(context.Background(), scope.WithName("server"))
	handle := func(ctx context.Context) error { return nil }
	fmt.Println("before shutdown:", s.TryGo(handle))
	s.Cancel(nil) // shutting down: a connection arriving now is refused
	fmt.Println("while stopping:", s.TryGo(handle))
	fmt.Println("Wait:", s.Wait())
	fmt.Println("after Wait:", s.TryGo(handle))
	// Output:
	// before shutdown: true
	// while stopping: false
	// Wait: <nil>
	// after Wait: false
}

// OnFailure hears each failure as it happens, on the failing task's
// goroutine, so a long-lived supervisor can log it long before its Wait.
func ExampleOnFailure() {
	s, _ := scope.New(context.Background(), scope.Supervise(),
		scope.OnFailure(func(task string, err error) {
			fmt.Printf("%s failed: %v\n", task, err) // log.Printf in a service
		}))
	s.Go(func(ctx context.Context) error { return errors.New("disk full") }, scope.Named("janitor"))
	err := s.Wait()
	fmt.Println(err)
	// Output:
	// janitor failed: disk full
	// scope: 1 failure: disk full
}

// Under Supervise a failure cancels nothing: every task runs, and every
// failure is reported.
func ExampleSupervise() {
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		for _, host := range []string{"a", "b", "c"} {
			s.Go(func(ctx context.Context) error {
				if host == "b" {
					return nil
				}
				return fmt.Errorf("%s: unreachable", host)
			}, scope.Named(host))
		}
		return nil
	}, scope.Supervise())
	if e, ok := errors.AsType[*scope.Error](err); ok {
		tasks := e.Tasks()
		slices.Sort(tasks) // failures are recorded as they happen
		fmt.Println(len(e.Errors()), "failed:", tasks)
	}
	// Output: 2 failed: [a c]
}

// With CapturePanics a panic is a failure like any other, a *PanicError with
// the value, the task's name and the stack; without it, Wait re-panics.
func ExampleCapturePanics() {
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			fmt.Println(first(nil)) // index out of range
			return nil
		}, scope.Named("reader"))
		return nil
	}, scope.CapturePanics())
	if pe, ok := errors.AsType[*scope.PanicError](err); ok {
		fmt.Println(pe.Task, "panicked:", pe.Value)
	}
	// Output: reader panicked: runtime error: index out of range [0] with length 0
}

func first(lines []string) string { return lines[0] }

// %v prints one line for logs; %+v prints the whole tree, nested scopes
// indented, like Python's ExceptionGroup traceback.
func ExampleError_Format() {
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(ctx context.Context) error { return errors.New("shard 2: disk full") }, scope.Named("shard-2"))
				return nil
			})
		}, scope.Named("index"))
		return nil
	})
	fmt.Printf("%v\n\n%+v\n", err, err)
	// Output:
	// scope: 1 failure: scope: 1 failure: shard 2: disk full
	//
	// scope: 1 failure: scope: 1 failure: shard 2: disk full
	// +-+---------------- 1 of 1, task "index" ----------------
	//   | scope: 1 failure: shard 2: disk full
	//   | +-+---------------- 1 of 1, task "shard-2" ----------------
	//   |   | shard 2: disk full
	//   |   +------------------------------------
	//   +------------------------------------
}

// Split is ExceptionGroup.split: it divides the failures by a test, keeping
// the tree's shape.
func ExampleError_Split() {
	errTimeout := errors.New("timeout")
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { return errTimeout }, scope.Named("slow"))
		return nil
	})
	e, _ := errors.AsType[*scope.Error](err)
	timeouts, rest := e.Split(func(err error) bool { return errors.Is(err, errTimeout) })
	fmt.Println(timeouts.Tasks(), rest == nil)
	// Output: [slow] true
}
