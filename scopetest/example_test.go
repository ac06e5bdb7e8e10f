package scopetest_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/scopetest"
	"go.uber.org/goleak"
)

// A test body runs in a scope of its own, as pytest-asyncio runs each test in
// a loop of its own: the test fails with the %+v report if a task failed or
// panicked, and names every scope made under it that is still alive.
func ExampleRun() {
	testCrawl := func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) { // fake time: works in a bubble
			scopetest.Run(t, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(ctx context.Context) error {
					return scope.Sleep(ctx, 0) // the code under test
				}, scope.Named("fetch"))
				return nil
			})
		})
	}
	_ = testCrawl // func TestCrawl(t *testing.T) in a _test.go file
}

// In TestMain, beside goleak: tracking on for every scope of the tests, and a
// check once they are done that names every scope and task left alive.
func ExampleVerifyAtExit() {
	testMain := func(m *testing.M) {
		scope.SetTracking(scope.TrackTasks)
		goleak.VerifyTestMain(m, goleak.Cleanup(scopetest.VerifyAtExit))
	}
	_ = testMain // func TestMain(m *testing.M) in a _test.go file
}
