// Command gather is the seed notes' asyncio.gather program in Go: say("a"),
// then say("b") and say("c") together, then "finished".
//
// The part that uses scope is in internal/demo/gather.go, which examples/tour
// runs too; this file reads the flags and calls it.
//
//	go run ./examples/gather [-unit 1s]
package main

import (
	"context"
	"io"
	"time"

	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/internal/demo"
)

func main() { cli.Main("gather", run) }

// run parses args (-unit: what one second of the Python program lasts), runs
// the program, printing to w, and returns what failed.
func run(args []string, w io.Writer) error {
	unit, err := cli.Unit("gather", args, time.Second)
	if err != nil {
		return err
	}
	return demo.Gather(context.Background(), w, unit)
}
