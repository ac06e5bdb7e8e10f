package scope_test

// The asyncio idioms of doc/asyncio.md, each as a runnable example: keep the
// two in step. Orders that asyncio leaves to timing are fixed here with
// channels, so the examples never depend on a clock.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/structuredgo/scope"
	"golang.org/x/sync/semaphore"
)

// create_task, then await task: Spawn returns a *Task; Wait is `await task`.
func ExampleSpawn() {
	scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		task := scope.Spawn(s, func(ctx context.Context) ([]int, error) {
			return []int{1, 2, 3}, nil // coro([3, 2, 1])
		})
		result, err := task.Wait(ctx)
		fmt.Println(result, err)
		_, err = task.Result() // t.done()
		fmt.Println("t done:", err != scope.ErrNotDone)
		return nil
	})
	// Output:
	// [1 2 3] <nil>
	// t done: true
}

// The tasks' results once the TaskGroup is done (the notes' second TaskGroup
// program): a Task keeps its result after its scope's Run returned.
func ExampleTask_Result() {
	someCoro := func(param int) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			fmt.Println(param)
			return param * 10, nil
		}
	}
	var task1 *scope.Task[int]
	var task2 *scope.Task[string]
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		task1 = scope.Spawn(s, someCoro(1))
		task2 = scope.Spawn(s, func(ctx context.Context) (string, error) {
			fmt.Println("another_coro")
			return "done", nil
		})
		return nil
	})
	r1, _ := task1.Result()
	r2, _ := task2.Result()
	fmt.Printf("Both tasks have completed now: %v, %v (%v)\n", r1, r2, err)
	// Unordered output:
	// 1
	// another_coro
	// Both tasks have completed now: 10, done (<nil>)
}

// task.cancel(): Task.Cancel stops that task alone, with a cause it sees;
// its error then is not a failure of the scope.
func ExampleTask_Cancel() {
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		slow := scope.Spawn(s, func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", context.Cause(ctx)
		}, scope.Named("slow"))
		fast := scope.Spawn(s, func(ctx context.Context) (string, error) { return "fast", nil })
		slow.Cancel(errors.New("not needed"))
		_, err := slow.Wait(ctx)
		v, _ := fast.Wait(ctx)
		fmt.Println(err, v)
		return nil
	})
	fmt.Println("scope:", err)
	// Output:
	// not needed fast
	// scope: <nil>
}

// The background-task set: create_task, keep a strong reference in a set,
// discard it when done. A New scope is that set: it holds every task until
// it returns, Tasks lists them, and Wait waits for the rest.
func ExampleScope_Tasks() {
	s, _ := scope.New(context.Background(), scope.WithName("background"))
	release := make(chan struct{})
	for i := range 3 {
		s.Go(func(ctx context.Context) error {
			<-release // some_coro(param=i)
			return nil
		}, scope.Named(fmt.Sprint("some_coro-", i)))
	}
	for _, t := range s.Tasks() {
		fmt.Println(t.Name, t.State)
	}
	close(release)
	s.Wait()
	fmt.Println(len(s.Tasks()), "left")
	// Output:
	// some_coro-0 running
	// some_coro-1 running
	// some_coro-2 running
	// 0 left
}

// asyncio.gather: results in argument order; the first failure cancels the
// rest.
func ExampleGather() {
	worker := func(name string, n int) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			return fmt.Sprintf("%s did %d", name, n), nil
		}
	}
	results, err := scope.Gather(context.Background(), worker("A", 2), worker("B", 1))
	fmt.Println(results, err)
	// Output: [A did 2 B did 1] <nil>
}

// asyncio.gather(..., return_exceptions=True): every outcome, in order.
func ExampleSettle() {
	results := scope.Settle(context.Background(),
		func(ctx context.Context) (int, error) { return 1, nil },
		func(ctx context.Context) (int, error) { return 0, errors.New("no route to host") },
	)
	for _, r := range results {
		fmt.Println(r.Index, r.Value, r.Err)
	}
	// Output:
	// 0 1 <nil>
	// 1 0 no route to host
}

// asyncio.as_completed: outcomes in the order they complete. Here the slow
// call finishes only once the fast one has been handled.
func ExampleAsCompleted() {
	handled := make(chan struct{})
	coro := func(seq []int, wait <-chan struct{}) func(context.Context) ([]int, error) {
		return func(ctx context.Context) ([]int, error) {
			if wait != nil {
				<-wait // 'IO' that takes longer
			}
			return []int{seq[2], seq[1], seq[0]}, nil
		}
	}
	for res := range scope.AsCompleted(context.Background(), coro([]int{10, 5, 0}, handled), coro([]int{3, 2, 1}, nil)) {
		fmt.Println("res:", res.Value, "from", res.Index)
		if res.Index == 1 {
			close(handled)
		}
	}
	// Output:
	// res: [1 2 3] from 1
	// res: [0 5 10] from 0
}

// asyncio.wait(..., return_when=FIRST_COMPLETED), then cancel the rest:
// Race returns the first success and cancels the others.
func ExampleRace() {
	mirror := func(name string, fast bool) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			if !fast {
				<-ctx.Done() // cancelled once another mirror answered
				return "", ctx.Err()
			}
			return name, nil
		}
	}
	winner, err := scope.Race(context.Background(), mirror("eu", false), mirror("us", true))
	fmt.Println(winner, err)
	// Output: us <nil>
}

// asyncio.timeout and asyncio.wait_for: WithTimeout bounds the whole scope;
// Wait reports context.DeadlineExceeded once, not once per task.
func ExampleWithTimeout() {
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			return scope.Sleep(ctx, time.Hour) // too slow
		})
		return nil
	}, scope.WithTimeout(10*time.Millisecond))
	fmt.Println(err, errors.Is(err, context.DeadlineExceeded))
	// Output: context deadline exceeded true
}

// asyncio.shield: a Shielded task finishes what it began even though its
// scope is cancelled; the scope still waits for it.
func ExampleShielded() {
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			s.Cancel(nil) // the scope stops...
			if ctx.Err() == nil {
				fmt.Println("commit finished") // ...but this task's context does not
			}
			return nil
		}, scope.Shielded(), scope.Named("commit"))
		return nil
	})
	fmt.Println(err)
	// Output:
	// commit finished
	// <nil>
}

// create_task copies the caller's contextvars: a task started by a request
// handler in a server's long-lived scope keeps the request's values (a
// trace ID) with ValuesFrom, while its cancellation stays the scope's, so
// it outlives the request.
func ExampleValuesFrom() {
	type traceKey struct{}
	background, _ := scope.New(context.Background())

	request, endRequest := context.WithCancel(context.WithValue(context.Background(), traceKey{}, "t-42"))
	logged := make(chan struct{})
	background.Go(func(ctx context.Context) error {
		<-logged
		fmt.Println("audit log for trace", ctx.Value(traceKey{}), "- context live:", ctx.Err() == nil)
		return nil
	}, scope.ValuesFrom(request))
	endRequest() // the handler returns; the task goes on
	close(logged)

	fmt.Println(background.Wait())
	// Output:
	// audit log for trace t-42 - context live: true
	// <nil>
}

// asyncio.Semaphore across scopes: WithLimit bounds one scope; for a limit
// shared by several scopes, use x/sync's semaphore inside the tasks.
func Example_semaphoreAcrossScopes() {
	sem := semaphore.NewWeighted(2) // at most 2 downloads, whoever asks
	download := func(ctx context.Context) error {
		if err := sem.Acquire(ctx, 1); err != nil {
			return err // ctx.Err(): cancellation noise, the scope reports the cause
		}
		defer sem.Release(1)
		return nil
	}
	for range 2 { // two scopes, one limit
		err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
			for range 5 {
				s.Go(download)
			}
			return nil
		})
		fmt.Println(err)
	}
	// Output:
	// <nil>
	// <nil>
}

// asyncio.sleep: Sleep returns nil after d, or the context's cause if it ends
// first.
func ExampleSleep() {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("shutting down"))
	fmt.Println(scope.Sleep(context.Background(), time.Millisecond))
	fmt.Println(scope.Sleep(ctx, time.Hour))
	// Output:
	// <nil>
	// shutting down
}

// asyncio.run: Main runs the body in a scope that SIGINT and SIGTERM cancel,
// and ends the program with the exit status a shell tests (1, 130, 143);
// with no failure and no signal, it returns.
func ExampleMain() {
	scope.Main(func(ctx context.Context, s *scope.Scope) error {
		fmt.Println("hello")
		if err := scope.Sleep(ctx, time.Millisecond); err != nil {
			return err
		}
		fmt.Println("world")
		return nil
	})
	// Output:
	// hello
	// world
}

// trio's nursery.start: Start returns once the task is ready; it then runs on
// in the scope.
func ExampleStart() {
	scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		addr, err := scope.Start(s, func(ctx context.Context, ready func(string)) error {
			ready("127.0.0.1:8080") // listening
			<-ctx.Done()            // serve until the scope ends
			return nil
		}, scope.Named("server"))
		fmt.Println("server at", addr, err)
		s.Cancel(nil)
		return nil
	})
	// Output: server at 127.0.0.1:8080 <nil>
}

// Map is gather over a slice, in order, with an optional limit: the
// Semaphore(10) idiom for a batch.
func ExampleMap() {
	lengths, err := scope.Map(context.Background(), []string{"a", "bb", "ccc"},
		func(ctx context.Context, s string) (int, error) { return len(s), nil },
		scope.WithLimit(2))
	fmt.Println(lengths, err)
	// Output: [1 2 3] <nil>
}

// except* ValueError: Split divides an ExceptionGroup; errors.As finds one
// kind of failure anywhere in the tree.
func Example_exceptStar() {
	var errNotFound = errors.New("not found")
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { return fmt.Errorf("user 7: %w", errNotFound) }, scope.Named("user"))
		return nil
	})
	if e, ok := errors.AsType[*scope.Error](err); ok {
		notFound, rest := e.Split(func(err error) bool { return errors.Is(err, errNotFound) })
		fmt.Println(notFound.Tasks(), rest == nil) // except* NotFound: ...
	}
	// Output: [user] true
}
