package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/lines"
)

// TaskGroup is the seed notes' asyncio.TaskGroup program: two tasks, "hello"
// and "world", each sleep for delay and print their name. They run together,
// so the group finishes delay after it started, not twice that.
//
// It prints "started at HH:MM:SS" once both tasks are started, then "hello"
// and "world" in either order, then "finished at HH:MM:SS" once the group has
// waited for both. If ctx is cancelled first, the sleeps end at once and
// TaskGroup returns context.Cause(ctx) without printing the last line.
func TaskGroup(ctx context.Context, w io.Writer, delay time.Duration) error {
	w = lines.Locked(w)
	sayAfter := func(delay time.Duration, what string) func(context.Context) error {
		return func(ctx context.Context) error {
			if err := scope.Sleep(ctx, delay); err != nil {
				return err
			}
			fmt.Fprintln(w, what)
			return nil
		}
	}
	// async with asyncio.TaskGroup() as tg:
	err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		s.Go(sayAfter(delay, "hello"), scope.Named("hello"))
		s.Go(sayAfter(delay, "world"), scope.Named("world"))
		fmt.Fprintf(w, "started at %s\n", time.Now().Format(clock))
		return nil
	}) // the await is implicit when the body returns: Run waits for both tasks
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "finished at %s\n", time.Now().Format(clock))
	return nil
}
