// Command maintest is a program built on [scope.Main], for the tests of Main
// in the package scope: they build it, run it, signal it and read its exit
// status, stdout and stderr.
//
// Its one argument picks what the program does:
//
//	ok         a task succeeds; Main returns, and the program prints "returned"
//	fail       the task "failer" fails; Main exits 1
//	panic      the task "panicker" panics; Main re-panics
//	wait       the task "waiter" prints "ready", waits for its context to end,
//	           prints "cause: " and the context's cause, the signal, and
//	           whether the cause is context.Canceled, and returns ctx.Err()
//	cleanup    like wait, but the task "cleaner" then fails: "cleanup failed"
//	stubborn   the task "stubborn" prints "ready", then "cancelled" with the
//	           cause once its context ends, and never returns
//	nested     the task "outer" prints "outer done" once its context ends;
//	           the body calls Main again, which panics
//	timeout    Main's scope has a 10ms timeout; the task "slow" waits for its
//	           context and returns ctx.Err(); Main returns, and the program
//	           prints "returned"
//	stuckpanic the task "panicker" panics; the task "stuck" prints "ready"
//	           once that has cancelled its context, and never returns: only
//	           a second signal ends the program
//	goexit     the body calls runtime.Goexit; the task "sibling" prints
//	           "sibling done" once that has cancelled its context; Main exits 1
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/structuredgo/scope"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: maintest ok|fail|panic|wait|cleanup|stubborn|nested|timeout|stuckpanic|goexit")
		os.Exit(2)
	}
	mode := os.Args[1]
	var opts []scope.Option
	if mode == "timeout" {
		opts = append(opts, scope.WithTimeout(10*time.Millisecond))
	}
	scope.Main(func(ctx context.Context, s *scope.Scope) error {
		switch mode {
		case "ok":
			s.Go(func(context.Context) error { return nil }, scope.Named("worker"))
		case "fail":
			s.Go(func(context.Context) error { return errors.New("disk on fire") }, scope.Named("failer"))
		case "panic":
			s.Go(func(context.Context) error { panic("boom") }, scope.Named("panicker"))
		case "wait", "cleanup":
			s.Go(func(ctx context.Context) error {
				fmt.Println("ready")
				<-ctx.Done()
				fmt.Println("cause:", context.Cause(ctx))
				var sig interface{ Signal() os.Signal }
				if errors.As(context.Cause(ctx), &sig) {
					fmt.Println("signal:", sig.Signal())
				}
				fmt.Println("is context.Canceled:", errors.Is(context.Cause(ctx), context.Canceled))
				if mode == "cleanup" {
					return errors.New("cleanup failed")
				}
				return ctx.Err()
			}, scope.Named(map[string]string{"wait": "waiter", "cleanup": "cleaner"}[mode]))
		case "stubborn":
			s.Go(func(ctx context.Context) error {
				fmt.Println("ready")
				<-ctx.Done()
				fmt.Println("cancelled:", context.Cause(ctx))
				select {} // ignores the cancellation: only a second signal ends the program
			}, scope.Named("stubborn"))
		case "timeout":
			s.Go(func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err() // noise: the run reports the deadline alone
			}, scope.Named("slow"))
		case "stuckpanic":
			s.Go(func(ctx context.Context) error {
				<-ctx.Done() // the panic's cancellation
				fmt.Println("ready")
				select {}
			}, scope.Named("stuck"))
			s.Go(func(context.Context) error { panic("boom") }, scope.Named("panicker"))
		case "nested":
			s.Go(func(ctx context.Context) error {
				<-ctx.Done()
				fmt.Println("outer done")
				return nil
			}, scope.Named("outer"))
			scope.Main(func(context.Context, *scope.Scope) error { return nil })
		case "goexit":
			s.Go(func(ctx context.Context) error {
				<-ctx.Done()
				fmt.Println("sibling done")
				return nil
			}, scope.Named("sibling"))
			runtime.Goexit() // as t.FailNow does in a helper
		default:
			return fmt.Errorf("unknown mode %q", mode)
		}
		return nil
	}, opts...)
	fmt.Println("returned")
}
