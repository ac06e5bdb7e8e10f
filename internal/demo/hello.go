package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/structuredgo/scope"
)

// Hello is the seed notes' asyncio.run program, as a body for [scope.Main]:
// it prints "hello", sleeps for unit, and prints "world".
func Hello(w io.Writer, unit time.Duration) func(ctx context.Context, s *scope.Scope) error {
	return func(ctx context.Context, s *scope.Scope) error {
		fmt.Fprintln(w, "hello")
		if err := scope.Sleep(ctx, unit); err != nil { // await asyncio.sleep(1)
			return err
		}
		fmt.Fprintln(w, "world")
		return nil
	}
}
