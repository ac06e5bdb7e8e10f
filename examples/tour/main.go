// Command tour walks through scope, one asyncio program at a time: each stop
// prints a heading, then runs the Go translation of a program from the seed
// notes.
//
//	go run ./examples/tour [-delay 2s]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/structuredgo/scope/internal/demo"
)

// settings are the tour's flags, handed to every stop.
type settings struct {
	delay time.Duration // how long the sleeping tasks sleep
}

// A stop is one program of the tour.
type stop struct {
	title string
	run   func(ctx context.Context, w io.Writer, set settings) error
	fails bool // the stop shows a failure: the tour fails if its run returns nil
}

// stops are the tour, in order; a stop is numbered by its place here.
var stops = []stop{
	{title: "TaskGroup: two tasks run together", run: func(ctx context.Context, w io.Writer, set settings) error { return demo.TaskGroup(ctx, w, set.delay) }},
	{title: "Errors: every failure, in one tree", run: func(ctx context.Context, w io.Writer, _ settings) error { return demo.FailingGroup(ctx, w) }, fails: true},
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the usage is printed
		}
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

// run parses args, then runs every stop, printing to w. It returns the first
// stop that did not behave as shown: one that failed, or one meant to fail
// that did not.
func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("tour", flag.ContinueOnError)
	var set settings
	fs.DurationVar(&set.delay, "delay", 2*time.Second, "how long the sleeping tasks sleep")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; the only flag is -delay", fs.Args())
	}
	ctx := context.Background()
	for i, st := range stops {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "== %d. %s\n", i+1, st.title)
		err := st.run(ctx, w, set)
		switch {
		case err != nil && !st.fails:
			return fmt.Errorf("stop %d (%s): %w", i+1, st.title, err)
		case err == nil && st.fails:
			return fmt.Errorf("stop %d (%s): no error; it is there to show one", i+1, st.title)
		}
	}
	return nil
}
