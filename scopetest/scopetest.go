// Package scopetest checks, in tests, that no scope or task outlives the test
// that started it, and names the ones that do: their scope, task, state, age,
// what they are blocked in, and the file:line that started them. goleak says
// that a goroutine leaked and prints its stack; scopetest says which task of
// which scope it was.
//
// The checks read the live tree of tracked scopes ([scope.Snapshot]), so
// tracking must be on for the scopes under test: [Run] turns it on for its
// own scope and everything made under it; for the rest, turn it on in
// TestMain, beside goleak. [Run] checks the scopes made under its own (from
// its context, or a task's); a scope made from another context, such as
// context.Background(), is [VerifyNone]'s and [VerifyAtExit]'s to find, and
// its goroutines goleak's:
//
//	func TestMain(m *testing.M) {
//		scope.SetTracking(scope.TrackTasks)
//		goleak.VerifyTestMain(m, goleak.Cleanup(scopetest.VerifyAtExit))
//	}
//
// A leak fails the check that finds it first; later checks of Run and
// VerifyNone leave it out, so one leaked scope does not fail every test
// after the one that left it. VerifyAtExit names everything still alive.
//
// The tree holds scopes weakly: a scope dropped without Wait, whose tasks
// have all returned, leaves it once garbage collected. Run holds the scopes
// made under its own until its check, so it finds such a scope whatever
// the collector did; VerifyNone and VerifyAtExit, which check scopes made
// from any context, find it only if it was not collected first. Tracking
// with [scope.TrackDropped] reports those as they are collected.
//
// Everything here works inside a testing/synctest bubble, where the retries
// below cost no real time: fake time moves once every goroutine of the
// bubble is durably blocked. A leaked task blocked on something outside the
// bubble (a channel made outside it, a mutex, the network) is not, so there
// the check waits until that task moves on, not for Retry.
package scopetest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/keep"
)

// Retry is how long the checks give scopes that are ending to finish their
// Wait before they count as leaked: a scope's Wait may still be returning on
// another goroutine when the test body does. So a check that finds a leak
// takes Retry to fail: real time outside a testing/synctest bubble, the
// bubble's fake time, which costs none, inside one. Lower it in a suite that
// expects leaks, or raise it on a slow machine.
var Retry = 2 * time.Second

// Run runs body inside a scope of its own, as pytest-asyncio runs each test
// in an event loop of its own, and fails t if body or any task fails (with
// the %+v report of the error tree, panics and their stacks included), or if
// a scope made under it is still alive once the scope's Wait returned (named
// with its tasks, their states, ages and spawn sites). The scope's context is
// t.Context(); it tracks its tasks and captures panics, on top of opts. Run
// holds every scope made under its own alive until its check, so that a
// scope the test forgot to Wait for is found even if nothing refers to it
// any more and the garbage collector has run.
//
// Body may end the test itself: if it calls t.FailNow (t.Fatal), the scope
// still waits for its tasks, and Run reports as above before the test
// ends (the failures of the tasks; the body's own Goexit is not one); if it
// panics, the scope is cancelled and waits for its tasks, and Run reports
// the panic, with its stack, as a failure of t at the test's line, instead
// of crashing the test binary.
//
// Run panics if body is nil.
func Run(t testing.TB, body func(ctx context.Context, s *scope.Scope) error, opts ...scope.Option) {
	t.Helper()
	if body == nil {
		panic("scopetest: Run with a nil body; pass the test's body, func(ctx context.Context, s *scope.Scope) error")
	}
	var (
		s        *scope.Scope
		root     string
		err      error
		returned bool
		panicked *bodyPanic
	)
	// The scopes made under Run's are held until its check, which a
	// collection would otherwise hide them from: see internal/keep.
	// KeepAlive is deferred first, so it runs after the check below.
	kept := new(keep.Keeper)
	defer runtime.KeepAlive(kept)
	defer func() { // also as body's Goexit unwinds: see above
		t.Helper()
		if r := recover(); r != nil { // not the body's: scope.Run's own
			t.Errorf("scopetest: the test's scope panicked: %v\n%s", r, debug.Stack())
		} else if !returned && s != nil {
			// A Goexit (t.FailNow): Run waited for the tasks, and Wait
			// tells how they ended. The body's own Goexit is left out: the
			// test has failed with its own message already.
			err = withoutBodyGoexit(s.Wait())
		}
		report(t, err, root)
	}()
	opts = append([]scope.Option{scope.WithTracking(scope.TrackTasks), scope.CapturePanics()}, opts...)
	err = scope.Run(keep.Into(t.Context(), kept), func(ctx context.Context, sc *scope.Scope) (err error) {
		s, root = sc, sc.Snapshot().Nodes[0].ID
		// A panic is recovered here, not where scope.Run re-panics it, so
		// that Run reports it from its own frame: t then names the test's
		// line, not one in package scope. It cancels the scope, which
		// waits for the tasks, as scope.Run does for a panic even under
		// Supervise, where the body's error alone would cancel nothing.
		defer func() {
			if r := recover(); r != nil {
				panicked = &bodyPanic{r, debug.Stack()}
				sc.Cancel(panicked)
				err = panicked
			}
		}()
		return body(ctx, sc)
	}, opts...)
	returned = true
	if panicked != nil {
		t.Errorf("scopetest: the test's body panicked: %v\n%s", panicked.value, panicked.stack)
		err = without(err, panicked)
	}
}

// A bodyPanic is a panic of the test's body, recovered as it happened: the
// body's failure, which Run reports on its own.
type bodyPanic struct {
	value any
	stack []byte
}

func (p *bodyPanic) Error() string { return fmt.Sprint("the test's body panicked: ", p.value) }

// without returns err without the failure target; nil if that was all.
func without(err, target error) error {
	e, ok := err.(*scope.Error)
	if !ok {
		return err
	}
	_, rest := e.Split(func(f error) bool { return f == target })
	if rest == nil {
		return nil // not a typed nil
	}
	return rest
}

// withoutBodyGoexit returns err without the failure Run's body recorded as
// it called runtime.Goexit; nil if that was the only one.
func withoutBodyGoexit(err error) error {
	e, ok := err.(*scope.Error)
	if !ok {
		return err
	}
	failures, tasks := e.Errors(), e.Tasks()
	before := 0 // Goexit leaves Split offers before the body's
	for i, f := range failures {
		if tasks[i] == "body" && f == scope.ErrGoexit {
			seen := 0
			_, rest := e.Split(func(f error) bool {
				if f != scope.ErrGoexit {
					return false
				}
				seen++
				return seen == before+1
			})
			if rest == nil {
				return nil // not a typed nil
			}
			return rest
		}
		before += goexits(f)
	}
	return err
}

// goexits counts the leaves of err that are ErrGoexit, as Split offers them.
func goexits(err error) int {
	if e, ok := err.(*scope.Error); ok && e != nil {
		n := 0
		for _, f := range e.Errors() {
			n += goexits(f)
		}
		return n
	}
	if err == scope.ErrGoexit {
		return 1
	}
	return 0
}

// fix says what to do about a scope that outlived its test.
const fix = "(call each scope's Wait before the test ends, after cancelling it if its tasks run until cancelled; one with 0 tasks was never waited for)"

// report fails t with the scope's error, and with every scope made under
// root that is still alive.
func report(t testing.TB, err error, root string) {
	t.Helper()
	if err != nil {
		t.Errorf("scopetest: the test's scope failed:\n%+v", err)
	}
	if left := settle(func() scope.Tree { return unreported(under(scope.Snapshot(), root)) }); left.Len() > 0 {
		markReported(left)
		t.Errorf("scopetest: %s outlived the test's scope:\n%s\n%s", count(left), strings.TrimSuffix(left.String(), "\n"), fix)
	}
}

// VerifyNone fails t if any tracked scope is still alive, naming each with
// its tasks, their states, ages and spawn sites; a scope a check named
// already is left out. Call it, or defer it, at the end of a test that does
// not run in parallel with others: it sees every tracked scope of the
// process.
func VerifyNone(t testing.TB) {
	t.Helper()
	if left := settle(func() scope.Tree { return unreported(scope.Snapshot()) }); left.Len() > 0 {
		markReported(left)
		t.Errorf("scopetest: %s still alive:\n%s\n%s", count(left), strings.TrimSuffix(left.String(), "\n"), fix)
	}
}

// VerifyAtExit ends the test binary as goleak.VerifyTestMain would, with
// exitCode, after checking that no tracked scope is alive; if one is, it
// prints the tree to standard error and exits with exitCode, or 1 if that
// was 0. Pass it to goleak.Cleanup.
func VerifyAtExit(exitCode int) {
	if left := settle(scope.Snapshot); left.Len() > 0 {
		fmt.Fprintf(os.Stderr, "scopetest: %s outlived the tests:\n%s%s\n", count(left), left, fix)
		if exitCode == 0 {
			exitCode = 1
		}
	}
	exit(exitCode)
}

// reported holds the IDs of the scopes that a check has named: a leak fails
// the test that left it, not every test after it.
var reported struct {
	sync.Mutex
	ids map[string]bool
}

// unreported returns tree without the scopes named already, and their tasks.
func unreported(tree scope.Tree) scope.Tree {
	reported.Lock()
	defer reported.Unlock()
	out := scope.Tree{Taken: tree.Taken}
	for _, n := range tree.Nodes {
		if owner, _, _ := strings.Cut(n.ID, "."); !reported.ids[owner] {
			out.Nodes = append(out.Nodes, n)
		}
	}
	return out
}

// markReported records the scopes of tree as named.
func markReported(tree scope.Tree) {
	reported.Lock()
	defer reported.Unlock()
	if reported.ids == nil {
		reported.ids = make(map[string]bool)
	}
	for _, n := range tree.Nodes {
		if n.Kind == scope.KindScope {
			reported.ids[n.ID] = true
		}
	}
}

// exit is os.Exit, a variable so that a test can stand in for it.
var exit = os.Exit

// settle takes snapshots until one is empty or Retry has passed, and
// returns the last.
func settle(snapshot func() scope.Tree) scope.Tree {
	deadline := time.Now().Add(Retry)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		tree := snapshot()
		if tree.Len() == 0 || time.Now().After(deadline) {
			return tree
		}
		time.Sleep(wait)
	}
}

// under returns the scopes made, at any depth, under the scope with the
// given ID, which has closed, with their tasks. A nested scope's Parent is
// a task's ID, "s3.7", or a scope's, "s3"; its scope is the part before the
// dot. Parents come before their children, and scopes in the order made. A
// scope whose Parent has left the tree too lists root among its Ancestors.
func under(tree scope.Tree, root string) scope.Tree {
	in := map[string]bool{root: true}
	out := scope.Tree{Taken: tree.Taken}
	for _, n := range tree.Nodes {
		if owner, _, _ := strings.Cut(n.Parent, "."); in[owner] || slices.Contains(n.Ancestors, root) {
			in[n.ID] = true
			out.Nodes = append(out.Nodes, n)
		}
	}
	return out
}

// count says how many scopes and tasks the tree holds: "1 scope and 2 tasks".
func count(tree scope.Tree) string {
	var scopes, tasks int
	for _, n := range tree.Nodes {
		if n.Kind == scope.KindScope {
			scopes++
		} else {
			tasks++
		}
	}
	return fmt.Sprintf("%d %s and %d %s", scopes, plural(scopes, "scope"), tasks, plural(tasks, "task"))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
