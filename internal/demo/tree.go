package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/structuredgo/scope"
)

// Tree is `python -m asyncio pstree` from inside the program: a tracked
// scope runs a supervisor whose pool of two workers waits on an empty queue,
// a fetch that sleeps, and a task waiting for the fetch; after unit, Tree
// prints the scope's tree (what its Wait would wait for), then cancels it.
func Tree(ctx context.Context, w io.Writer, unit time.Duration) error {
	jobs := scope.NewQueue[string](0)
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			return scope.Run(ctx, func(ctx context.Context, pool *scope.Scope) error {
				for i := range 2 {
					pool.Go(func(ctx context.Context) error {
						_, err := jobs.Get(ctx)
						return err
					}, scope.Named(fmt.Sprintf("worker-%d", i+1)))
				}
				return nil
			}, scope.WithName("pool"))
		}, scope.Named("supervisor"))
		fetch := scope.Spawn(s, func(ctx context.Context) (string, error) {
			return "", scope.Sleep(ctx, time.Hour)
		}, scope.Named("fetch"))
		s.Go(func(ctx context.Context) error {
			_, err := fetch.Wait(ctx)
			return err
		}, scope.Named("render"))

		if err := scope.Sleep(ctx, unit); err != nil { // let every task block
			return err
		}
		fmt.Fprint(w, s.Snapshot())
		s.Cancel(nil)
		return nil
	}, scope.WithName("app"), scope.WithTracking(scope.TrackTasks))
}
