package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/structuredgo/scope"
)

// HelloWorld returns the seed notes' coroutine main() as a body for
// [scope.Main] (asyncio.run) or [scope.Run]: it prints "hello", sleeps for
// delay, then prints "world". If the body's context is cancelled during the
// sleep (the first Ctrl-C under Main), it returns context.Cause(ctx) without
// printing "world".
//
// The notes' asyncio.Runner variant, which runs main() on a loop that the
// with block closes, needs nothing more in Go: there is no loop to keep, and
// a Runner that runs several coroutines is several [scope.Run] calls.
func HelloWorld(w io.Writer, delay time.Duration) func(ctx context.Context, s *scope.Scope) error {
	return func(ctx context.Context, _ *scope.Scope) error {
		fmt.Fprintln(w, "hello")
		if err := scope.Sleep(ctx, delay); err != nil {
			return err
		}
		fmt.Fprintln(w, "world")
		return nil
	}
}
