package scope

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
)

// User code never runs under a lock of the library: a user's Context, a
// cause's Error method, may call back into the scope or the queue, and
// would deadlock there. Each test below runs on one goroutine, so a lock
// that its probe finds held is held by the caller of that user code.

// A probe counts its calls, and those that found mu held.
type probe struct {
	mu           *sync.Mutex
	calls, under int
}

func (p *probe) check() {
	if p.mu == nil { // not armed yet
		return
	}
	p.calls++
	if !p.mu.TryLock() {
		p.under++
		return
	}
	p.mu.Unlock()
}

func (p *probe) want(t *testing.T, what string) {
	t.Helper()
	if p.calls == 0 || p.under > 0 {
		t.Errorf("%s: user code ran %d times, %d of them under the lock; want it run, never under the lock", what, p.calls, p.under)
	}
}

// A probedContext runs its probe in Done and Value, which the context
// package calls on a parent as a child detaches from it.
type probedContext struct {
	context.Context
	p *probe
}

func (c *probedContext) Done() <-chan struct{} { c.p.check(); return c.Context.Done() }
func (c *probedContext) Value(k any) any       { c.p.check(); return c.Context.Value(k) }

// probedParent returns a scope made under a probed parent, and the probe.
func probedParent(t *testing.T, opts ...Option) (*Scope, *probe) {
	parent, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pc := &probedContext{Context: parent, p: &probe{}}
	s, _ := New(pc, opts...)
	pc.p.mu = &s.mu
	return s, pc.p
}

func TestClosingCallsTheParentContextOutsideTheLock(t *testing.T) {
	s, p := probedParent(t)
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	p.want(t, "Wait closing the scope")

	s, p = probedParent(t, WithTimeout(1<<40))
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	p.want(t, "Wait closing a scope with a deadline")
}

func TestBodyPanicCancelsOutsideTheLock(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	pc := &probedContext{Context: parent, p: &probe{}}
	func() {
		defer func() { _ = recover() }()
		_ = Run(pc, func(ctx context.Context, s *Scope) error {
			pc.p.mu = &s.mu
			panic("body")
		})
	}()
	pc.p.want(t, "a body panic cancelling the scope")
}

// A probedError runs its probe in Error.
type probedError struct{ p *probe }

func (e probedError) Error() string { e.p.check(); return "probed" }

func TestSnapshotFormatsTheCauseOutsideTheLock(t *testing.T) {
	s, _ := New(context.Background())
	p := &probe{mu: &s.mu}
	s.Cancel(probedError{p})
	if got := s.Snapshot().Nodes[0].Cause; got != "probed" {
		t.Errorf("cause %q; want probed", got)
	}
	p.want(t, "Snapshot formatting the cause")
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestQueueAsksAnEndedContextForItsCauseOutsideTheLock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](1)
		parent, cancel := context.WithCancelCause(context.Background())
		p := &probe{mu: &q.mu}
		pc := &probedContext{Context: parent, p: p}
		errc := make(chan error, 1)
		go func() {
			_, err := q.Get(pc)
			errc <- err
		}()
		synctest.Wait() // Get is blocked
		p.calls = 0
		stop := errors.New("stop")
		cancel(stop)
		if err := <-errc; err != stop {
			t.Fatalf("Get = %v; want the cause", err)
		}
		p.want(t, "Get asking its ended context for the cause")
	})
}

// A failure whose Unwrap panics costs %+v its wrapped scopes only, not the
// report.
type panickyWrapper struct{}

func (panickyWrapper) Error() string { return "bad wrapper" }
func (panickyWrapper) Unwrap() error { panic("unwrap") }

func TestPlusVSurvivesAnUnwrapThatPanics(t *testing.T) {
	err := Run(context.Background(), func(ctx context.Context, s *Scope) error {
		s.Go(func(context.Context) error { return panickyWrapper{} }, Named("wrapper"))
		return nil
	}, Supervise())
	got := fmt.Sprintf("%+v", err)
	if !strings.Contains(got, `task "wrapper"`) || !strings.Contains(got, "bad wrapper") {
		t.Errorf("%%+v =\n%s\nwant the failure with its task's name", got)
	}
}
