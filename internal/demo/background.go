package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/lines"
)

// Background is the seed notes' background-task idiom: ten tasks
// some_coro(param=i), each sleeping for unit then printing i, kept by strong
// references in a set and discarded from it when done. The scope is that set:
// it holds each task until it returns, then drops it. The ten numbers come
// in any order, as in Python. With showHeld, Background also prints how
// many tasks the scope holds right after starting them (10) and after Wait
// (0): the strong references, and their release, which Python's program
// does not print.
func Background(ctx context.Context, w io.Writer, unit time.Duration, showHeld bool) error {
	w = lines.Locked(w)
	held := io.Discard
	if showHeld {
		held = w
	}
	backgroundTasks, _ := scope.New(ctx, scope.WithName("background_tasks"))
	for i := range 10 {
		backgroundTasks.Go(func(ctx context.Context) error { // create_task, add to the set
			if err := scope.Sleep(ctx, unit); err != nil {
				return err
			}
			fmt.Fprintln(w, i)
			return nil // done: discarded from the set
		}, scope.Named(fmt.Sprint("some_coro-", i)))
	}
	fmt.Fprintf(held, "tasks held: %d\n", len(backgroundTasks.Tasks()))
	err := backgroundTasks.Wait()
	fmt.Fprintf(held, "tasks held: %d\n", len(backgroundTasks.Tasks()))
	return err
}
