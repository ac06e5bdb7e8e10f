package scope_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/structuredgo/scope"
)

// A stressRun runs a planned tree. seq orders events across goroutines: every
// start and end of a task and every return of Wait takes the next number, so
// "before" means before in a total order that the atomics make real, not on
// a clock.
type stressRun struct {
	seq atomic.Int64
}

func (r *stressRun) tick() int64 { return r.seq.Add(1) }

// runScope makes sp's scope under ctx, starts its tasks, waits for it and
// returns what Wait returned.
func (r *stressRun) runScope(ctx context.Context, sp *scopePlan) error {
	sp.made, sp.parentCtx = true, ctx
	var res error
	if sp.run {
		res = scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
			sp.ctx = ctx
			r.startAll(s, sp)
			return sp.bodyErr
		}, sp.options()...)
	} else {
		s, ctx := scope.New(ctx, sp.options()...)
		sp.ctx = ctx
		r.startAll(s, sp)
		res = waitOnceOrTwice(s, sp)
	}
	sp.waitSeq = r.tick()
	sp.parentCause = context.Cause(ctx)
	sp.waits++
	sp.result = res
	return res
}

// waitOnceOrTwice waits for s, and, if sp says so, from a second goroutine
// at the same time, recording what that one got.
func waitOnceOrTwice(s *scope.Scope, sp *scopePlan) error {
	if !sp.waitTwice {
		return s.Wait()
	}
	other := make(chan error)
	go func() { other <- s.Wait() }()
	res := s.Wait()
	sp.otherWait = <-other
	return res
}

func (sp *scopePlan) options() []scope.Option {
	var opts []scope.Option
	if sp.track {
		opts = append(opts, scope.WithTracking(scope.TrackAll))
	}
	if sp.supervise {
		opts = append(opts, scope.Supervise())
	}
	if sp.capture {
		opts = append(opts, scope.CapturePanics())
	}
	if sp.limit > 0 {
		opts = append(opts, scope.WithLimit(sp.limit))
	}
	if sp.observe {
		opts = append(opts, scope.OnFailure(func(task string, err error) {
			sp.mu.Lock()
			sp.seen = append(sp.seen, failureSeen{task, err})
			sp.mu.Unlock()
		}))
	}
	return opts
}

// startAll starts the owner's tasks in order, cancelling the scope where
// the plan says.
func (r *stressRun) startAll(s *scope.Scope, sp *scopePlan) {
	for i, tp := range sp.tasks {
		if i == sp.cancelAt {
			s.Cancel(nil)
		}
		r.start(s, tp)
	}
	if sp.cancelAt == len(sp.tasks) {
		s.Cancel(nil)
	}
}

// start starts tp in s the way the plan says, noting first whether the scope
// was already cancelled: then tp must never run.
func (r *stressRun) start(s *scope.Scope, tp *taskPlan) {
	tp.tried, tp.afterCancel = true, s.Context().Err() != nil
	var opts []scope.TaskOption
	if tp.shielded {
		opts = append(opts, scope.Shielded())
	}
	opts = append(opts, scope.Named(tp.name))
	fn := func(ctx context.Context) error { return r.runTask(ctx, s, tp) }
	valued := func(ctx context.Context) (int, error) { return tp.id, fn(ctx) }
	switch tp.via {
	case viaGo:
		s.Go(fn, opts...)
	case viaTryGo:
		tp.refused = !s.TryGo(fn, opts...)
	case viaSpawn:
		tp.spawned = scope.Spawn(s, valued, opts...)
	case viaTrySpawn:
		var ok bool
		tp.spawned, ok = scope.TrySpawn(s, valued, opts...)
		tp.refused = !ok
	case viaStart:
		tp.startVal, tp.startErr = scope.Start(s, func(ctx context.Context, ready func(int)) error {
			if !tp.early {
				ready(tp.id)
			}
			return fn(ctx)
		}, opts...)
	}
}

// runTask is a task's function: it records that it ran, starts its
// siblings, then does what the plan says.
func (r *stressRun) runTask(ctx context.Context, s *scope.Scope, tp *taskPlan) error {
	tp.ran = true
	tp.startSeq = r.tick()
	defer func() { tp.endSeq = r.tick() }() // also on a panic or Goexit
	for _, sib := range tp.siblings {
		r.start(s, sib)
	}
	err := r.act(ctx, s, tp)
	tp.returned = err
	return err
}

func (r *stressRun) act(ctx context.Context, s *scope.Scope, tp *taskPlan) error {
	switch tp.kind {
	case fails:
		return tp.err
	case panics:
		panic(tp.token)
	case exits:
		runtime.Goexit()
	case blocks:
		<-ctx.Done()
		return noiseFor(ctx, tp.id)
	case cancels:
		s.Cancel(nil)
	case hosts:
		err := r.runScope(ctx, tp.child)
		tp.sawDone = s.Context().Err() != nil
		return err
	}
	return nil
}

// noiseFor returns one of the ways code reports that ctx was cancelled.
func noiseFor(ctx context.Context, n int) error {
	switch n % 4 {
	case 0:
		return ctx.Err()
	case 1:
		return context.Cause(ctx)
	case 2:
		return fmt.Errorf("stopped: %w", context.Cause(ctx))
	}
	return errors.Join(ctx.Err(), context.Cause(ctx))
}
