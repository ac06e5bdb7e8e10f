package demo

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/lines"
)

// FailingGroup runs a scope whose tasks fail, prints a short header and the
// scope's error tree (%+v) to w, and returns the error: a [*scope.Error] that
// holds, in this order,
//
//   - "fetch users": an error;
//   - "parse": a panic, kept as a [*scope.PanicError] because the scope
//     captures panics;
//   - "index": the *scope.Error of its own nested scope, where "shard-2"
//     failed.
//
// A fourth task, "heartbeat", only waits for the cancellation and returns
// ctx.Err(): cancellation noise, which the scope drops, as asyncio drops the
// siblings' CancelledError.
//
// The failures come in the same order on every run: each task waits for its
// turn (see the comments), since Go does not fix which of two goroutines
// that see the same cancellation returns first.
func FailingGroup(ctx context.Context, w io.Writer) error {
	w = lines.Locked(w)
	fmt.Fprintln(w, "Four tasks; three fail. The scope keeps every failure, in one tree:")
	var (
		shardsStarted = make(chan struct{}) // closed once index's shards run: fetch users may fail
		parseFailed   = make(chan struct{}) // closed once the panic of parse is recorded: index may return
	)
	onFailure := func(task string, _ error) { // called right after each failure is recorded
		if task == "parse" {
			close(parseFailed)
		}
	}
	err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			// Fail only once the nested scope has started its shards: a
			// cancelled scope starts no task.
			select {
			case <-shardsStarted:
				return errors.New("fetch users: connection refused")
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}, scope.Named("fetch users"))
		s.Go(func(ctx context.Context) error {
			<-ctx.Done() // fetch users has failed
			panic("parse: unexpected end of input")
		}, scope.Named("parse"))
		s.Go(func(ctx context.Context) error {
			err := index(ctx, shardsStarted)
			<-parseFailed
			return err
		}, scope.Named("index"))
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err() // noise: dropped from the report
		}, scope.Named("heartbeat"))
		return nil
	}, scope.CapturePanics(), scope.OnFailure(onFailure))
	fmt.Fprintf(w, "%+v\n", err)
	return err
}

// index runs a nested scope of three shards, of which "shard-2" fails, and
// closes started once they are started. The others wait for the cancellation:
// its cause, returned, is noise. So index returns a *scope.Error that holds
// the failure of shard-2 alone.
func index(ctx context.Context, started chan<- struct{}) error {
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		for _, shard := range []string{"shard-1", "shard-2", "shard-3"} {
			s.Go(func(ctx context.Context) error {
				if shard == "shard-2" {
					return errors.New("shard-2: disk full")
				}
				<-ctx.Done()
				return context.Cause(ctx)
			}, scope.Named(shard))
		}
		close(started)
		return nil
	})
}
