// Command tour walks through scope, one asyncio program at a time: each stop
// prints a heading, then runs the Go translation of a program from the seed
// notes.
//
//	go run ./examples/tour [-unit 250ms]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/internal/demo"
)

// A stop is one program of the tour. Its run gets unit: what one second of
// the Python program lasts.
type stop struct {
	title string
	run   func(ctx context.Context, w io.Writer, unit time.Duration) error
	fails bool // the stop shows a failure: the tour fails if its run returns nil
}

// stops are the tour, in order; a stop is numbered by its place here.
var stops = []stop{
	{title: "TaskGroup: two tasks run together", run: func(ctx context.Context, w io.Writer, unit time.Duration) error {
		return demo.TaskGroup(ctx, w, 2*unit)
	}},
	{title: "Errors: every failure, in one tree", run: func(ctx context.Context, w io.Writer, _ time.Duration) error {
		return demo.FailingGroup(ctx, w)
	}, fails: true},
	{title: "gather: a, then b and c together", run: demo.Gather},
	{title: "Background tasks: the scope holds them, and lets go", run: func(ctx context.Context, w io.Writer, unit time.Duration) error {
		return demo.Background(ctx, w, unit, true) // and how many tasks the scope holds
	}},
	{title: "create_task, gather and as_completed", run: demo.AsCompleted},
	{title: "asyncio.run: the body of Main", run: func(ctx context.Context, w io.Writer, unit time.Duration) error {
		return scope.Run(ctx, demo.Hello(w, unit))
	}},
	{title: "Queue: three workers, task_done and join", run: func(ctx context.Context, w io.Writer, unit time.Duration) error {
		return demo.Workers(ctx, w, unit, 444)
	}},
	{title: "asyncq: 2 producers, 5 consumers", run: func(ctx context.Context, w io.Writer, unit time.Duration) error {
		return demo.AsyncQ(ctx, w, 2, 5, unit, 444)
	}},
	{title: "asyncio pstree: what runs, where it started, what it waits on", run: demo.Tree},
}

func main() { cli.Main("tour", run) }

// run parses args, then runs every stop, printing to w. It returns the first
// stop that did not behave as shown: one that failed, or one meant to fail
// that did not.
func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("tour", flag.ContinueOnError)
	unit := fs.Duration("unit", 250*time.Millisecond, "what one second of the Python programs lasts")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Positive("unit", *unit); err != nil {
		return err
	}
	fmt.Fprintf(w, "The asyncio programs of the notes, in Go. One of their seconds lasts %v here (-unit).\n\n", *unit)
	ctx := context.Background()
	for i, st := range stops {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "== %d. %s\n", i+1, st.title)
		err := st.run(ctx, w, *unit)
		switch {
		case err != nil && !st.fails:
			return fmt.Errorf("stop %d (%s): %w", i+1, st.title, err)
		case err == nil && st.fails:
			return fmt.Errorf("stop %d (%s): no error; it is there to show one", i+1, st.title)
		}
	}
	return nil
}
