// Command asyncq is the seed notes' asyncq.py in Go: producers put random
// items into a queue, consumers take them and report how long each waited;
// once production is done and the queue is processed, the consumers are
// cancelled.
//
// The part that uses scope is in internal/demo/asyncq.go, which examples/tour
// runs too; this file reads the flags and calls it.
//
//	go run ./examples/asyncq [-p 5] [-c 10] [-unit 1s] [-seed 444]
//
// -p and -c are also -nprod and -ncon, the long names of asyncq.py's
// argparse (and, as for any Go flag, --nprod and --ncon).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/internal/demo"
)

func main() { cli.Main("asyncq", run) }

// run parses args, runs the program, printing to w, and returns what failed.
func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("asyncq", flag.ContinueOnError)
	nprod := fs.Int("p", 5, "number of producers")
	fs.IntVar(nprod, "nprod", 5, "number of producers, as -p")
	ncon := fs.Int("c", 10, "number of consumers")
	fs.IntVar(ncon, "ncon", 10, "number of consumers, as -c")
	unit := fs.Duration("unit", time.Second, "what one of the program's seconds lasts")
	seed := fs.Uint64("seed", 444, "seed of the random sleeps and items")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Positive("unit", *unit); err != nil {
		return err
	}
	if *nprod < 0 || *ncon < 0 || *nprod > 0 && *ncon == 0 {
		return cli.Usagef("want -p >= 0 and -c >= 1 (or -p 0 -c 0: nothing made, nothing to consume); got -p %d -c %d", *nprod, *ncon)
	}
	start := time.Now()
	// With no producers asyncq.py's consumers never run: nothing awaited
	// yields to them before main cancels them. Nor do these.
	if *nprod > 0 {
		if err := demo.AsyncQ(context.Background(), w, *nprod, *ncon, *unit, *seed); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "Program completed in %0.5f seconds.\n", time.Since(start).Seconds())
	return nil
}
