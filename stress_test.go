package scope_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
	"go.uber.org/goleak"
)

// TestStress builds random trees of scopes (nested through tasks; Run and
// New; Supervise, WithLimit, CapturePanics, OnFailure; Shielded tasks; Go,
// TryGo, Spawn, TrySpawn and Start) whose tasks succeed, fail, panic, call
// runtime.Goexit, block until cancelled, cancel their scope or run a nested
// scope, and checks each finished tree against the rules of
// doc/semantics.md (see checker).
//
// By default it runs 600 small trees; SCOPE_STRESS=1 runs 50,000 larger
// ones, SCOPE_STRESS=n (n > 1) n of them.
// A failure names the tree's seed; SCOPE_STRESS_SEED=n runs that tree alone
// (with -count=N to run it N times, since the scheduling differs each time).
func TestStress(t *testing.T) {
	cfg := stressConfigFromEnv(t)
	leaks := goleak.IgnoreCurrent()
	var planned, ran, failures int
	for i := range uint64(cfg.trees) {
		seed := cfg.base + i
		root, c := stressOne(t, seed, cfg)
		if err := goleak.Find(leaks); err != nil {
			c.fail("%v", err)
		}
		if len(c.problems) > 0 || t.Failed() {
			t.Fatalf("seed %d (replay: %s):\n%s\ntree:\n%v",
				seed, cfg.replay(seed), strings.Join(c.problems, "\n"), root)
		}
		planned, ran, failures = planned+root.count(), ran+c.ran, failures+c.failures
	}
	t.Logf("%d trees, seeds %d to %d: %d tasks planned, %d ran, %d failures checked",
		cfg.trees, cfg.base, cfg.base+uint64(cfg.trees)-1, planned, ran, failures)
}

type stressConfig struct {
	trees int
	size  stressSize
	long  bool
	base  uint64 // the first tree's seed
}

func stressConfigFromEnv(t *testing.T) stressConfig {
	cfg := stressConfig{trees: 600, size: stressSize{depth: 2, tasks: 6}, base: uint64(time.Now().UnixNano())}
	if s := os.Getenv("SCOPE_STRESS"); s != "" {
		cfg.trees, cfg.size, cfg.long = 50000, stressSize{depth: 3, tasks: 8}, true
		if n, err := strconv.Atoi(s); err == nil && n > 1 {
			cfg.trees = n
		}
	}
	if s := os.Getenv("SCOPE_STRESS_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SCOPE_STRESS_SEED=%q: %v", s, err)
		}
		cfg.base, cfg.trees = seed, 1
	}
	return cfg
}

// replay returns the command that runs the tree of seed again: the same
// size, so the same plan.
func (cfg stressConfig) replay(seed uint64) string {
	env := ""
	if cfg.long {
		env = "SCOPE_STRESS=1 "
	}
	return fmt.Sprintf("%sSCOPE_STRESS_SEED=%d go test -race -run TestStress", env, seed)
}

// stressOne plans and runs the tree of seed. If the tree deadlocks,
// synctest panics; the seed is logged on the way out.
func stressOne(t *testing.T, seed uint64, cfg stressConfig) (*scopePlan, checker) {
	root := planTree(seed, cfg.size)
	defer func() {
		if r := recover(); r != nil {
			t.Logf("seed %d (replay: %s) panicked", seed, cfg.replay(seed))
			panic(r)
		}
	}()
	root.track = trackedTree(seed)
	return root, runTree(t, root, seed%4 == 0)
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
		var before map[string]bool
		if root.track {
			before = liveIDs()
		}
		ctx, cancel := context.WithCancelCause(context.Background())
		done := make(chan struct{})
		r := &stressRun{}
		go func() {
			defer close(done)
			r.runScope(ctx, root)
		}()
		if !early {
			synctest.Wait()
			if root.track {
				c.checkSnapshot(scope.Snapshot())
			}
		}
		cancel(errRootCancelled)
		<-done
		if root.track {
			c.checkGone(before)
		}
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
