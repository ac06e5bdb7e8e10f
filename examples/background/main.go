// Command background is the seed notes' background-task idiom in Go: ten tasks kept
// by strong references (the scope) and released as each finishes. It prints
// what the Python program prints, the ten numbers; the tour also prints how
// many tasks the scope holds before and after.
//
// The part that uses scope is in internal/demo/background.go, which examples/tour
// runs too; this file reads the flags and calls it.
//
//	go run ./examples/background [-unit 1s]
package main

import (
	"context"
	"io"
	"time"

	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/internal/demo"
)

func main() { cli.Main("background", run) }

// run parses args (-unit: what one second of the Python program lasts), runs
// the program, printing to w, and returns what failed.
func run(args []string, w io.Writer) error {
	unit, err := cli.Unit("background", args, time.Second)
	if err != nil {
		return err
	}
	return demo.Background(context.Background(), w, unit, false)
}
