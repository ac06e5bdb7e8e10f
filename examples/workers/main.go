// Command workers is the seed notes' asyncio.Queue program in Go: twenty
// random sleeps go into a queue, three workers sleep them off, Join waits
// until all are done, and the program prints how long the three took in
// parallel against the total.
//
// The part that uses scope is in internal/demo/workers.go, which examples/tour
// runs too; this file reads the flags and calls it.
//
//	go run ./examples/workers [-unit 1s] [-seed 444]
package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/internal/demo"
)

func main() { cli.Main("workers", run) }

// run parses args, runs the program, printing to w, and returns what failed.
func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("workers", flag.ContinueOnError)
	unit := fs.Duration("unit", time.Second, "what one of the program's seconds lasts")
	seed := fs.Uint64("seed", 444, "seed of the random sleeps")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Positive("unit", *unit); err != nil {
		return err
	}
	return demo.Workers(context.Background(), w, *unit, *seed)
}
