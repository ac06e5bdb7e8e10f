// Command run is the seed notes' asyncio.run program in Go: scope.Main runs a
// body that prints "hello", sleeps, and prints "world". Ctrl-C cancels the
// sleep; a second Ctrl-C exits at once.
//
//	go run ./examples/run [-unit 1s]
package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/internal/demo"
)

func main() {
	unit, err := cli.Unit("run", os.Args[1:], time.Second)
	cli.ExitIf("run", err)
	if err != nil { // -h
		return
	}
	scope.Main(body(os.Stdout, unit)) // asyncio.run(main())
}

// body is what Main runs: the program's main coroutine.
func body(w io.Writer, unit time.Duration) func(ctx context.Context, s *scope.Scope) error {
	return demo.Hello(w, unit)
}
