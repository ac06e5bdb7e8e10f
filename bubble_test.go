package scope_test

import (
	"context"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

// A package's long-lived scope, made outside any bubble and tracked (as
// scopetest's TestMain sets up), may fail, be cancelled and close inside one.
func TestTrackedScopeMadeOutsideABubbleEndsInOne(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		end  func(s *scope.Scope)
		want error
	}{
		{"a task fails", func(s *scope.Scope) { s.Go(func(context.Context) error { return boom }) }, boom},
		{"Cancel", func(s *scope.Scope) { s.Cancel(nil) }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := scope.New(bg, tracked)
			synctest.Test(t, func(t *testing.T) {
				tc.end(s)
				synctest.Wait()
			})
			if err := s.Wait(); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Wait = %v; want %v", err, tc.want)
			}
		})
	}
}

// A New scope's Wait waits on a channel made with the scope, on its side of
// a bubble's edge: here its Wait blocks inside a bubble, and its task ends
// outside, which closes the scope there. A channel made by that Wait, in
// the bubble, was closed from outside, and the process died.
func TestNewScopeMadeOutsideABubbleIsWaitedForInOneAndClosedOutside(t *testing.T) {
	s, _ := scope.New(bg, tracked)
	release := make(chan struct{})
	s.Go(func(context.Context) error { <-release; return nil })
	go func() {
		for !s.Snapshot().Nodes[0].InWait {
			runtime.Gosched() // the bubble's Wait blocks on a channel made outside: nothing there can wait for it
		}
		close(release)
	}()
	synctest.Test(t, func(t *testing.T) {
		if err := s.Wait(); err != nil {
			t.Errorf("Wait = %v; want nil", err)
		}
	})
}

// Its last task may also end in the bubble while Wait waits outside, which
// closes the scope there.
func TestTrackedScopeMadeOutsideABubbleClosesInOne(t *testing.T) {
	s, _ := scope.New(bg, tracked)
	waiting, waited := make(chan struct{}), make(chan error)
	go func() {
		<-waiting
		waited <- s.Wait()
	}()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		s.Go(func(context.Context) error { <-release; return nil })
		close(waiting)
		for !s.Snapshot().Nodes[0].InWait {
			runtime.Gosched() // Wait blocks outside the bubble: nothing here can wait for it
		}
		close(release)
	})
	if err := <-waited; err != nil {
		t.Fatalf("Wait = %v; want nil", err)
	}
}

// readOutside starts, outside any synctest bubble, a goroutine that calls
// read once ask is called (from inside a bubble) and ask returns what it
// read.
func readOutside(read func() string) (ask func() string) {
	asked, answered := make(chan struct{}), make(chan string)
	go func() {
		<-asked
		answered <- read()
	}()
	return func() string {
		asked <- struct{}{}
		return <-answered
	}
}

// goStubborn starts in s, in a bubble, a task named stubborn that makes its
// context's Done channel there (a channel of the bubble) and blocks until
// release is called.
func goStubborn(s *scope.Scope) (release func()) {
	started, released := make(chan struct{}), make(chan struct{})
	s.Go(func(ctx context.Context) error {
		_ = ctx.Done()
		close(started)
		<-released
		return nil
	}, scope.Named("stubborn"))
	<-started
	return func() { close(released) }
}

// Tasks, String and Snapshot never touch the scope's channels, tracked or
// not: an untracked scope of a bubble, cancelled, is read from outside it.
func TestUntrackedScopeOfABubbleIsReadFromOutside(t *testing.T) {
	var s *scope.Scope // set before ask: the channel orders it
	ask := readOutside(func() string {
		return s.Tasks()[0].State + "; " + s.String() + "; " + s.Snapshot().Nodes[0].State
	})
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, sc *scope.Scope) error {
			release := goStubborn(sc)
			sc.Cancel(nil)
			s = sc
			got := ask()
			for _, want := range []string{"cancelling; ", "(cancelling, 1 task)", "; cancelling"} {
				if !strings.Contains(got, want) {
					t.Errorf("read from outside the bubble: %q; want it to hold %q", got, want)
				}
			}
			release()
			return nil
		}, scope.WithName("bubbled"))
	})
}

// A tracked scope of a bubble, seen from outside it, shows no age: its
// start is on the bubble's clock, which began in 2000, the snapshot's on
// the real one, and their difference would read as decades. Inside the
// bubble the same scope shows its age on the bubble's clock.
func TestAgesAcrossABubblesClockAreLeftOut(t *testing.T) {
	var s *scope.Scope // set before ask: the channel orders it
	ask := readOutside(func() string { return s.String() + " | " + s.Snapshot().String() })
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, sc *scope.Scope) error {
			release := goStubborn(sc)
			defer release()
			time.Sleep(90 * time.Second)
			s = sc
			if inside := sc.Snapshot().String(); !strings.Contains(inside, "stubborn (running) 1m30s") {
				t.Errorf("inside the bubble the tree is\n%s\nwant the task's age, 1m30s", inside)
			}
			outside := ask()
			if regexp.MustCompile(`\d+h\d+m`).MatchString(outside) || !strings.Contains(outside, "stubborn (running) at ") {
				t.Errorf("outside the bubble the tree is\n%s\nwant the task with no age", outside)
			}
			return nil
		}, scope.WithName("bubbled"), tracked)
	})
}
