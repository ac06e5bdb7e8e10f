// Command ascompleted is the seed notes' create_task, gather and as_completed
// programs over coro([3, 2, 1]) and coro([10, 5, 0]), in Go.
//
// The part that uses scope is in internal/demo/ascompleted.go, which examples/tour
// runs too; this file reads the flags and calls it.
//
//	go run ./examples/ascompleted [-unit 1s]
package main

import (
	"context"
	"io"
	"time"

	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/internal/demo"
)

func main() { cli.Main("ascompleted", run) }

// run parses args (-unit: what one second of the Python program lasts), runs
// the program, printing to w, and returns what failed.
func run(args []string, w io.Writer) error {
	unit, err := cli.Unit("ascompleted", args, time.Second)
	if err != nil {
		return err
	}
	return demo.AsCompleted(context.Background(), w, unit)
}
