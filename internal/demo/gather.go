package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/lines"
)

// Gather is the seed notes' asyncio.gather program: say("a"), then say("b")
// and say("c") together, then "finished". Each say sleeps for unit and
// prints "say: <msg>", so the program takes two units, not three.
func Gather(ctx context.Context, w io.Writer, unit time.Duration) error {
	w = lines.Locked(w)
	say := func(msg string) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			if err := scope.Sleep(ctx, unit); err != nil {
				return "", err
			}
			fmt.Fprintf(w, "say: %s\n", msg)
			return msg, nil
		}
	}
	if _, err := say("a")(ctx); err != nil { // await say("a")
		return err
	}
	if _, err := scope.Gather(ctx, say("b"), say("c")); err != nil { // await asyncio.gather(say("b"), say("c"))
		return err
	}
	fmt.Fprintln(w, "finished")
	return nil
}
