// Package cli is what the example commands share around their run function:
// parsing flags and ending the program.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// Main calls run with the command's arguments and standard output, and exits
// 1, after printing the error to standard error, if it fails. -h prints the
// usage and exits 0.
func Main(name string, run func(args []string, w io.Writer) error) {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Unit parses args with one flag, -unit: what one second of the Python
// program lasts, def by default.
func Unit(name string, args []string, def time.Duration) (time.Duration, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	unit := fs.Duration("unit", def, "what one second of the Python program lasts")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if fs.NArg() > 0 {
		return 0, fmt.Errorf("unexpected arguments %q; the only flag is -unit", fs.Args())
	}
	return *unit, Positive("unit", *unit)
}

// Positive checks a duration flag that scales the program's time: zero or
// less would print NaN and infinite rates, or nothing sensible.
func Positive(flag string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("-%s %v: want a positive duration", flag, d)
	}
	return nil
}
