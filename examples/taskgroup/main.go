// Command taskgroup is the seed notes' asyncio.TaskGroup program in Go: two
// tasks sleep for the same time and print "hello" and "world"; because they
// run together, the group finishes one delay after it started, not two.
//
// The part that uses scope is in internal/demo/taskgroup.go, which examples/tour
// runs too; this file reads the flags and calls it.
//
//	go run ./examples/taskgroup [-delay 2s]
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

func main() { cli.Main("taskgroup", run) }

// run parses args, runs the program, printing to w, and returns what failed.
func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("taskgroup", flag.ContinueOnError)
	delay := fs.Duration("delay", 2*time.Second, "how long each task sleeps before it prints")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Positive("delay", *delay); err != nil {
		return err
	}
	// asyncio.run(main())
	if err := demo.TaskGroup(context.Background(), w, *delay); err != nil {
		return err
	}
	fmt.Fprintln(w, "finished all")
	return nil
}
