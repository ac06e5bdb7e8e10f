package scope_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

// TestStress builds random trees of scopes (nested through tasks; Run and
// New; Supervise, WithLimit, CapturePanics, OnFailure; Shielded tasks; Go,
// TryGo, Spawn, TrySpawn and Start) whose tasks succeed, fail, panic, call
// runtime.Goexit, block until cancelled, cancel their scope or run a nested
// scope, and checks each finished tree against the rules of
// doc/semantics.md (see checker).
//
// By default it runs a small batch; SCOPE_STRESS=1 runs the long one.
// A failure names the tree's seed; SCOPE_STRESS_SEED=n runs that tree alone
// (with -count=N to run it N times, since the scheduling differs each time).
func TestStress(t *testing.T) {
	trees, size := 600, stressSize{depth: 2, tasks: 6}
	if os.Getenv("SCOPE_STRESS") != "" {
		trees, size = 50000, stressSize{depth: 3, tasks: 8}
	}
	base := uint64(time.Now().UnixNano())
	if s := os.Getenv("SCOPE_STRESS_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SCOPE_STRESS_SEED=%q: %v", s, err)
		}
		base, trees = seed, 1
	}
	leaks := goleak.IgnoreCurrent()
	var planned, ran, failures int
	for i := range uint64(trees) {
		seed := base + i
		root := planTree(seed, size)
		c := runTree(t, root, seed%4 == 0)
		if err := goleak.Find(leaks); err != nil {
			c.fail("%v", err)
		}
		if len(c.problems) > 0 || t.Failed() {
			t.Fatalf("seed %d (replay: SCOPE_STRESS_SEED=%d go test -race -run TestStress):\n%s\ntree:\n%v",
				seed, seed, strings.Join(c.problems, "\n"), root)
		}
		planned, ran, failures = planned+root.count(), ran+c.ran, failures+c.failures
	}
	t.Logf("%d trees, seeds %d to %d: %d tasks planned, %d ran, %d failures checked",
		trees, base, base+uint64(trees)-1, planned, ran, failures)
}

// errRootCancelled is the root's cause: the stress test cancels the root
// once every goroutine of the tree is blocked, to end the tasks that wait
// for cancellation.
var errRootCancelled = errors.New("stress: root cancelled")

// runTree runs a planned tree in a synctest bubble and checks it. Once every
// goroutine of the tree is durably blocked (synctest.Wait), only a
// cancellation can end the tasks that wait for one: the root's context is
// cancelled then, or, if early is set, at once, racing the tree's start. The
// bubble also proves that nothing the tree started outlives it:
// synctest.Test waits for every goroutine of the bubble.
func runTree(t *testing.T, root *scopePlan, early bool) (c checker) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		done := make(chan struct{})
		r := &stressRun{}
		go func() {
			defer close(done)
			r.runScope(ctx, root)
		}()
		if !early {
			synctest.Wait()
		}
		cancel(errRootCancelled)
		<-done
		c.scope(root, "root") // in the bubble: a Task's channels belong to it
	})
	return c
}

// count returns how many tasks sp and the scopes under it planned.
func (sp *scopePlan) count() int {
	n := len(sp.all)
	for _, tp := range sp.all {
		if tp.child != nil {
			n += tp.child.count()
		}
	}
	return n
}
