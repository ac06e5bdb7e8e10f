// Command run is the seed notes' asyncio.run program in Go: scope.Main runs a
// body that prints "hello", sleeps, and prints "world". Ctrl-C cancels the
// sleep; a second Ctrl-C exits at once. With -runner it runs the notes'
// asyncio.Runner program instead, which sleeps, then prints "hello": Go has
// no event loop to keep between runs, so a Runner is Main (or Run) too.
//
// The asyncio.run program's body is in internal/demo/hello.go, which
// examples/tour runs too.
//
//	go run ./examples/run [-unit 1s] [-runner]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/internal/demo"
)

func main() {
	body, err := parse(os.Args[1:], os.Stdout)
	cli.ExitIf("run", err)
	if err != nil { // -h
		return
	}
	scope.Main(body) // asyncio.run(main()), or runner.run(main())
}

// parse reads the flags and returns the body Main runs, printing to w.
func parse(args []string, w io.Writer) (func(context.Context, *scope.Scope) error, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	unit := fs.Duration("unit", time.Second, "what one second of the Python program lasts")
	runner := fs.Bool("runner", false, "run the asyncio.Runner program: sleep, then hello")
	if err := cli.Parse(fs, args); err != nil {
		return nil, err
	}
	if err := cli.Positive("unit", *unit); err != nil {
		return nil, err
	}
	if *runner {
		return sleepThenHello(w, *unit), nil
	}
	return demo.Hello(w, *unit), nil
}

// sleepThenHello is the Runner program's main coroutine.
func sleepThenHello(w io.Writer, unit time.Duration) func(context.Context, *scope.Scope) error {
	return func(ctx context.Context, s *scope.Scope) error {
		if err := scope.Sleep(ctx, unit); err != nil {
			return err
		}
		fmt.Fprintln(w, "hello")
		return nil
	}
}
