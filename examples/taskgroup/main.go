// Command taskgroup is the seed notes' asyncio.TaskGroup program in Go: two
// tasks sleep for the same time and print "hello" and "world"; because they
// run together, the group finishes one delay after it started, not two.
//
// The part that uses scope is in internal/demo/taskgroup.go, which examples/tour
// runs too; this file reads the flags and calls it.
//
//	go run ./examples/taskgroup [-unit 1s] [-delay 2s]
//
// -unit is what one of the program's seconds lasts, as in the other
// examples; -delay, if given, is the sleep itself (two units by default).
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
	unit := fs.Duration("unit", time.Second, "what one of the program's seconds lasts")
	delay := fs.Duration("delay", 0, "how long each task sleeps before it prints (default two units)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Positive("unit", *unit); err != nil {
		return err
	}
	d := 2 * *unit // say_after(2, ...)
	if set(fs, "delay") {
		if err := cli.Positive("delay", *delay); err != nil {
			return err
		}
		d = *delay
	}
	// asyncio.run(main())
	if err := demo.TaskGroup(context.Background(), w, d); err != nil {
		return err
	}
	fmt.Fprintln(w, "finished all")
	return nil
}

// set reports whether the flag called name was given.
func set(fs *flag.FlagSet, name string) (given bool) {
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
