package scope_test

// The conc and errgroup idioms of doc/porting.md that take more than a
// line: keep the two in step.

import (
	"context"
	"fmt"
	"strings"

	"github.com/structuredgo/scope"
)

// Work that runs concurrently, its results handled in the order it was
// submitted: conc's stream. Each piece of work is a Spawned task; one task
// waits for them in turn, fed through a Queue whose capacity bounds how
// many are started ahead of it. A failure, in the work or in handling it,
// cancels the rest.
func Example_orderedStream() {
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		pending := scope.NewQueue[*scope.Task[string]](2)
		s.Go(func(ctx context.Context) error {
			for t := range pending.All(ctx) {
				upper, err := t.Wait(ctx)
				if err != nil {
					return err
				}
				fmt.Println(upper) // in submission order, whichever finished first
			}
			return nil
		}, scope.Named("handler"))
		for _, w := range words {
			t := scope.Spawn(s, func(context.Context) (string, error) { return strings.ToUpper(w), nil })
			if err := pending.Put(ctx, t); err != nil {
				return err
			}
		}
		pending.Shutdown() // the handler drains what is left, then returns
		return nil
	})
	fmt.Println(err)
	// Output:
	// ALPHA
	// BETA
	// GAMMA
	// DELTA
	// EPSILON
	// <nil>
}

// The same with at most two pieces of work running at once: conc's
// stream.New().WithMaxGoroutines(2). The handler stays in the outer scope
// and the work runs in a nested scope with the limit: on one scope the
// handler would hold a slot, and with a limit of one no work could start.
func Example_orderedStreamWithALimit() {
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	err := scope.Run(context.Background(), func(ctx context.Context, outer *scope.Scope) error {
		pending := scope.NewQueue[*scope.Task[string]](2)
		outer.Go(func(ctx context.Context) error {
			for t := range pending.All(ctx) {
				upper, err := t.Wait(ctx)
				if err != nil {
					return err
				}
				fmt.Println(upper)
			}
			return nil
		}, scope.Named("handler"))
		defer pending.Shutdown() // once the work is all spawned, or failed
		return scope.Run(ctx, func(ctx context.Context, work *scope.Scope) error {
			for _, w := range words {
				t := scope.Spawn(work, func(context.Context) (string, error) { return strings.ToUpper(w), nil })
				if err := pending.Put(ctx, t); err != nil {
					return err
				}
			}
			return nil
		}, scope.WithLimit(2))
	})
	fmt.Println(err)
	// Output:
	// ALPHA
	// BETA
	// GAMMA
	// DELTA
	// EPSILON
	// <nil>
}
