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

// Main calls run with the command's arguments and standard output, and ends
// the program as ExitIf does for what run returned.
func Main(name string, run func(args []string, w io.Writer) error) {
	ExitIf(name, run(os.Args[1:], os.Stdout))
}

// ExitIf returns if err is nil or flag.ErrHelp (-h printed the usage), and
// otherwise exits, after printing err to standard error: with status 2 for
// a mistake in the command line, as the flag package does, 1 for the rest.
func ExitIf(name string, err error) {
	if code := report(name, err, os.Stderr); code != 0 {
		os.Exit(code)
	}
}

// report prints err to stderr unless the flag set printed it already, and
// returns the exit status for it.
func report(name string, err error, stderr io.Writer) int {
	var u *usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		if !u.printed {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
		}
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
}

// usageError is a mistake in the command line. printed says the flag set
// has shown it, with the usage, already: a FlagSet made with
// flag.ContinueOnError prints what it rejects.
type usageError struct {
	err     error
	printed bool
}

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

// Usagef is a mistake in the command line: ExitIf prints it and exits 2.
func Usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// Parse parses args with fs, made with flag.ContinueOnError, and rejects
// arguments left over: the example commands take flags only.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err: err, printed: true}
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected arguments %q; %s takes flags only (-h lists them)", fs.Args(), fs.Name())
	}
	return nil
}

// Unit parses args with one flag, -unit: what one second of the Python
// program lasts, def by default.
func Unit(name string, args []string, def time.Duration) (time.Duration, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	unit := fs.Duration("unit", def, "what one second of the Python program lasts")
	if err := Parse(fs, args); err != nil {
		return 0, err
	}
	return *unit, Positive("unit", *unit)
}

// Positive checks a duration flag that scales the program's time: zero or
// less would print NaN and infinite rates, or nothing sensible.
func Positive(flag string, d time.Duration) error {
	if d <= 0 {
		return Usagef("-%s %v: want a positive duration", flag, d)
	}
	return nil
}
