package scope_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

type fn = func(context.Context) (int, error)

// after returns a function that sleeps d then returns v, or the cause.
func after(d time.Duration, v int) fn {
	return func(ctx context.Context) (int, error) {
		if err := scope.Sleep(ctx, d); err != nil {
			return 0, err
		}
		return v, nil
	}
}

// failAfter returns a function that sleeps d then fails with err.
func failAfter(d time.Duration, err error) fn {
	return func(ctx context.Context) (int, error) {
		if e := scope.Sleep(ctx, d); e != nil {
			return 0, e
		}
		return 0, err
	}
}

func TestGatherKeepsArgumentOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		got, err := scope.Gather(bg, after(3*time.Second, 1), after(time.Second, 2), after(2*time.Second, 3))
		if err != nil || fmt.Sprint(got) != "[1 2 3]" || time.Since(start) != 3*time.Second {
			t.Fatalf("Gather = %v, %v after %v; want [1 2 3], nil after 3s", got, err, time.Since(start))
		}
	})
}

func TestGatherFailsFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		start := time.Now()
		got, err := scope.Gather(bg, after(time.Hour, 1), failAfter(time.Second, boom))
		if got != nil || time.Since(start) != time.Second {
			t.Fatalf("Gather = %v after %v; want nil after 1s", got, time.Since(start))
		}
		if e := asError(t, err); len(e.Errors()) != 1 || e.Errors()[0] != boom {
			t.Fatalf("Gather err = %v; want *Error of boom", err)
		}
	})
}

func TestGatherOfNothingIsEmpty(t *testing.T) {
	got, err := scope.Gather[int](bg)
	if got == nil || len(got) != 0 || err != nil {
		t.Fatalf("Gather() = %#v, %v; want an empty slice, nil", got, err)
	}
}

// Nothing to wait for is done at once, as asyncio's gather() of nothing is
// a future already done: a done context or a past deadline changes nothing.
func TestNothingToGatherOrMapIsDoneEvenWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if got, err := scope.Gather[int](ctx); got == nil || len(got) != 0 || err != nil {
		t.Errorf("Gather() on a cancelled ctx = %#v, %v; want an empty slice, nil", got, err)
	}
	square := func(_ context.Context, n int) (int, error) { return n * n, nil }
	if got, err := scope.Map(ctx, []int{}, square, scope.WithTimeout(0)); got == nil || len(got) != 0 || err != nil {
		t.Errorf("Map of no items on a cancelled ctx, past its deadline = %#v, %v; want an empty slice, nil", got, err)
	}
	for _, c := range []context.Context{bg, ctx} {
		if got := scope.Settle[int](c); got == nil || len(got) != 0 {
			t.Errorf("Settle() = %#v; want an empty slice", got)
		}
		for r := range scope.AsCompleted[int](c) {
			t.Errorf("AsCompleted() yielded %v; want nothing", r)
		}
	}
}

func TestNilFunctionPanicsBeforeAnythingStarts(t *testing.T) {
	var ran atomic.Bool
	ok := func(context.Context) (int, error) { ran.Store(true); return 0, nil }
	for name, call := range map[string]func(){
		"Gather":      func() { scope.Gather(bg, ok, nil) },
		"Settle":      func() { scope.Settle(bg, ok, nil) },
		"Race":        func() { scope.Race(bg, ok, nil) },
		"AsCompleted": func() { scope.AsCompleted(bg, ok, nil) },
		"Map":         func() { scope.Map[int, int](bg, []int{1}, nil) },
	} {
		wantScopePanic(t, call, "nil")
		if ran.Load() {
			t.Errorf("%s ran a function before panicking on a nil one", name)
		}
	}
	wantScopePanic(t, func() { scope.Race[int](bg) }, "no functions")
}

func TestGatherRepanicsAfterTheOthersReturned(t *testing.T) {
	var otherDone atomic.Bool
	r := recovered(t, func() {
		scope.Gather(bg,
			func(ctx context.Context) (int, error) { <-ctx.Done(); otherDone.Store(true); return 0, ctx.Err() },
			func(context.Context) (int, error) { panic("gather") })
	})
	if pe, ok := r.(*scope.PanicError); !ok || pe.Value != "gather" || !otherDone.Load() {
		t.Fatalf("recovered %v, other done %v; want the *PanicError after the other returned", r, otherDone.Load())
	}
}

func TestSettleReportsEveryOutcomeInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		got := scope.Settle(bg, after(2*time.Second, 1), failAfter(time.Second, boom), after(3*time.Second, 3),
			func(context.Context) (int, error) { goexit(); return 0, nil })
		want := []scope.Result[int]{{Index: 0, Value: 1}, {Index: 1, Err: boom}, {Index: 2, Value: 3}}
		if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] ||
			got[3].Index != 3 || !errors.Is(got[3].Err, scope.ErrGoexit) {
			t.Fatalf("Settle = %v; want %v and a Goexit", got, want)
		}
	})
}

func TestSettleOnDoneContextRunsNothing(t *testing.T) {
	stop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(bg)
	cancel(stop)
	var ran atomic.Bool
	got := scope.Settle(ctx, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
	if ran.Load() || len(got) != 1 || got[0].Err != stop {
		t.Fatalf("Settle = %v, ran %v; want the cause and nothing run", got, ran.Load())
	}
}

func TestSettlePanicCancelsTheOthers(t *testing.T) {
	var cancelled atomic.Bool
	r := recovered(t, func() {
		scope.Settle(bg,
			func(ctx context.Context) (int, error) { <-ctx.Done(); cancelled.Store(true); return 0, nil },
			func(context.Context) (int, error) { panic("settle") })
	})
	if !isPanic(r.(error)) || !cancelled.Load() {
		t.Fatalf("recovered %v, other cancelled %v; want a *PanicError after cancelling", r, cancelled.Load())
	}
}

func TestRaceFirstSuccessWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var loserCancelled atomic.Bool
		start := time.Now()
		v, err := scope.Race(bg,
			failAfter(time.Second, errors.New("fast failure")), // a failure does not win
			after(2*time.Second, 2),
			func(ctx context.Context) (int, error) {
				<-ctx.Done()
				loserCancelled.Store(true)
				return 0, errors.New("loser's error: dropped")
			})
		if v != 2 || err != nil || time.Since(start) != 2*time.Second || !loserCancelled.Load() {
			t.Fatalf("Race = %v, %v after %v (loser cancelled %v); want 2, nil after 2s", v, err, time.Since(start), loserCancelled.Load())
		}
	})
}

func TestRaceAllFailed(t *testing.T) {
	a, b := errors.New("a"), errors.New("b")
	v, err := scope.Race(bg, func(context.Context) (int, error) { return 0, a }, func(context.Context) (int, error) { return 0, b })
	if e := asError(t, err); v != 0 || len(e.Errors()) != 2 || !errors.Is(err, a) || !errors.Is(err, b) {
		t.Fatalf("Race = %v, %v; want the *Error of both", v, err)
	}
}

func TestRaceEndedByParent(t *testing.T) {
	stop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(bg)
	_, err := scope.Race(ctx, func(ctx context.Context) (int, error) {
		cancel(stop)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	if err != stop {
		t.Fatalf("Race = %v; want the parent's cause", err)
	}
}

func TestMapKeepsOrderAndHonoursTheLimit(t *testing.T) {
	var now, peak atomic.Int32
	items := []int{1, 2, 3, 4, 5, 6, 7, 8}
	got, err := scope.Map(bg, items, func(_ context.Context, x int) (string, error) {
		n := now.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		defer now.Add(-1)
		return fmt.Sprint(x * x), nil
	}, scope.WithLimit(2))
	if err != nil || fmt.Sprint(got) != "[1 4 9 16 25 36 49 64]" || peak.Load() > 2 {
		t.Fatalf("Map = %v, %v, peak %d; want squares in order, at most 2 at once", got, err, peak.Load())
	}
}

func TestMapFailsFastOrSupervises(t *testing.T) {
	bad := errors.New("odd")
	square := func(_ context.Context, x int) (int, error) {
		if x%2 == 1 {
			return 0, fmt.Errorf("%d: %w", x, bad)
		}
		return x * x, nil
	}
	got, err := scope.Map(bg, []int{1, 2, 3, 4}, square, scope.Supervise())
	if e := asError(t, err); fmt.Sprint(got) != "[0 4 0 16]" || len(e.Errors()) != 2 {
		t.Fatalf("Map under Supervise = %v, %v; want [0 4 0 16] and two failures", got, err)
	}
	got, err = scope.Map(bg, []int{1, 2, 3, 4}, square)
	if got != nil || !errors.Is(err, bad) {
		t.Fatalf("Map = %v, %v; want nil and the failure", got, err)
	}
	if got, err := scope.Map(bg, nil, square); got == nil || len(got) != 0 || err != nil {
		t.Fatalf("Map of no items = %#v, %v; want an empty slice, nil", got, err)
	}
}

func TestAsCompletedYieldsInCompletionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		seq := scope.AsCompleted(bg, after(3*time.Second, 30), failAfter(time.Second, boom), after(2*time.Second, 20))
		for round := range 2 { // each range runs the functions anew
			start := time.Now()
			var got []string
			for r := range seq {
				got = append(got, fmt.Sprintf("%d:%d:%v@%v", r.Index, r.Value, r.Err, time.Since(start)))
			}
			if want := "[1:0:boom@1s 2:20:<nil>@2s 0:30:<nil>@3s]"; fmt.Sprint(got) != want {
				t.Fatalf("round %d: %v; want %s", round, got, want)
			}
		}
	})
}

func TestAsCompletedBreakCancelsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stopped atomic.Int32
		slow := func(ctx context.Context) (int, error) {
			<-ctx.Done()
			stopped.Add(1)
			return 0, ctx.Err()
		}
		for r := range scope.AsCompleted(bg, slow, after(time.Second, 1), slow) {
			if r.Value != 1 {
				t.Fatalf("first result %v; want the one that finished", r)
			}
			break
		}
		if n := stopped.Load(); n != 2 {
			t.Fatalf("%d of the 2 running functions had returned when the loop ended; want both", n)
		}
	})
}

func TestAsCompletedOnDoneContext(t *testing.T) {
	stop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(bg)
	cancel(stop)
	var ran atomic.Bool
	n := 0
	for r := range scope.AsCompleted(ctx, func(context.Context) (int, error) { ran.Store(true); return 1, nil }) {
		n++
		if r.Err != stop {
			t.Errorf("result %v; want the cause", r)
		}
	}
	if n != 1 || ran.Load() {
		t.Fatalf("%d results, ran %v; want one result and nothing run", n, ran.Load())
	}
}

func TestAsCompletedPanicIsNotYieldedAndRepanics(t *testing.T) {
	for range 300 { // the other may come first now and then: try it often
		asCompletedPanicIsNotYieldedAndRepanics(t)
	}
}

func asCompletedPanicIsNotYieldedAndRepanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var otherDone atomic.Bool
		yielded := 0
		otherStarted := make(chan struct{}) // else the panic may cancel the scope before the other starts
		r := recovered(t, func() {
			for range scope.AsCompleted(bg,
				func(context.Context) (int, error) { <-otherStarted; panic("as completed") },
				func(ctx context.Context) (int, error) {
					close(otherStarted)
					<-ctx.Done()
					otherDone.Store(true)
					return 0, nil
				}) {
				yielded++
			}
		})
		if !isPanic(r.(error)) || !otherDone.Load() || yielded != 0 {
			t.Fatalf("recovered %v, other done %v, %d yielded; want the panic after the other returned, and nothing yielded", r, otherDone.Load(), yielded)
		}
	})
}

// The loop's body is the caller's code: its panic beats a task's, as Run's
// body's does, and the task's does not replace it as the loop unwinds.
func TestAsCompletedLoopBodyPanicBeatsATasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		looping := make(chan struct{})
		r := recovered(t, func() {
			for range scope.AsCompleted(bg,
				func(context.Context) (int, error) { return 1, nil },
				func(context.Context) (int, error) { <-looping; panic("task") }) {
				close(looping)
				synctest.Wait() // the task has panicked
				panic("loop body")
			}
		})
		if r != "loop body" {
			t.Fatalf("recovered %v; want the loop body's panic", r)
		}
	})
}

// Map takes the caller's options, Supervise included, and under Supervise
// a panic still cancels the other items, as in every helper.
func TestMapSupervisedPanicCancelsTheOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := recovered(t, func() {
			_, _ = scope.Map(bg, []int{0, 1, 2}, func(ctx context.Context, i int) (int, error) {
				if i == 0 {
					panic("item 0")
				}
				<-ctx.Done()
				return 0, ctx.Err()
			}, scope.Supervise())
		})
		if !isPanic(r.(error)) {
			t.Fatalf("recovered %v; want the item's panic", r)
		}
	})
}

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := scope.Sleep(bg, 5*time.Second); err != nil || time.Since(start) != 5*time.Second {
			t.Errorf("Sleep = %v after %v; want nil after 5s", err, time.Since(start))
		}
		stop := errors.New("stop")
		ctx, cancel := context.WithCancelCause(bg)
		time.AfterFunc(time.Second, func() { cancel(stop) })
		start = time.Now()
		if err := scope.Sleep(ctx, time.Hour); err != stop || time.Since(start) != time.Second {
			t.Errorf("Sleep = %v after %v; want the cause after 1s", err, time.Since(start))
		}
		if err := scope.Sleep(bg, 0); err != nil {
			t.Errorf("Sleep(0) = %v; want nil", err)
		}
		if err := scope.Sleep(ctx, -time.Second); err != stop {
			t.Errorf("Sleep(-1s) on a done ctx = %v; want the cause", err)
		}
	})
}

// A sleep that ends as its context's deadline passes, at one instant of
// fake time, is done: the deadline did not come first (asyncio's
// test_wait_concurrent_complete). Every time, whichever of the two timers
// the bubble runs first: under -race the deadline's came first about once
// in a thousand runs, and Sleep reported it.
func TestSleepEndingAtTheDeadlineIsDone(t *testing.T) {
	for range 1000 {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(bg, time.Second)
			defer cancel()
			rs := scope.Settle(ctx,
				func(ctx context.Context) (int, error) { return 1, scope.Sleep(ctx, time.Second) },
				func(ctx context.Context) (int, error) { return 2, scope.Sleep(ctx, time.Hour) })
			if rs[0].Err != nil || !errors.Is(rs[1].Err, context.DeadlineExceeded) {
				t.Fatalf("Settle = %+v; want the first sleep done, the second cut off", rs)
			}
		})
	}
}

// A Sleep whose ctx ends first but whose goroutine runs late, after d is up,
// reports the cause: the tie rule above is for one instant, not for a late
// wake-up. With one processor held by a busy loop, Sleep's goroutine, woken
// by the cancel before d is up, runs only once the loop is preempted (10ms
// or more): after d, every time.
func TestSleepWokenLateByItsContextReportsIt(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for range 5 {
		s, _ := scope.New(bg, tracked)
		slept := make(chan error, 1)
		s.Go(func(ctx context.Context) error { slept <- scope.Sleep(ctx, 5*time.Millisecond); return nil })
		for len(s.Tasks()) == 0 || s.Tasks()[0].WaitsOn != "Sleep" {
			runtime.Gosched() // until Sleep is in its select
		}
		s.Cancel(nil)
		for start := time.Now(); time.Since(start) < 20*time.Millisecond; {
			// hold the only processor past d
		}
		if err := <-slept; err != context.Canceled {
			t.Fatalf("Sleep = %v, its ctx cancelled before d; want context.Canceled", err)
		}
		if err := s.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// Under a limit, Map fails fast: once an item fails, items not yet started
// never start.
func TestMapWithLimitStopsAfterAFailure(t *testing.T) {
	var ran atomic.Int32
	bad := errors.New("bad item")
	got, err := scope.Map(bg, []int{1, 2, 3, 4, 5, 6}, func(_ context.Context, x int) (int, error) {
		ran.Add(1)
		if x == 2 {
			return 0, bad
		}
		return x, nil
	}, scope.WithLimit(1))
	if got != nil || !errors.Is(err, bad) || ran.Load() != 2 {
		t.Fatalf("Map = %v, %v after %d items; want nil, the failure, after 2", got, err, ran.Load())
	}
}

// The *Error names a failure by its task: for Gather, and Map without a
// limit, fns[i] and items[i] run as task-(i+1), so the name leads back to
// the argument.
func TestGatherAndMapNameTasksByPosition(t *testing.T) {
	bad := errors.New("bad")
	ok := func(context.Context) (int, error) { return 0, nil }
	fail := func(context.Context) (int, error) { return 0, bad }
	_, err := scope.Gather(bg, ok, fail, ok)
	if e := asError(t, err); e.Tasks()[0] != "task-2" {
		t.Errorf("Gather: fns[1]'s failure named %q; want task-2", e.Tasks()[0])
	}
	_, err = scope.Map(bg, []int{0, 1, 2, 3}, func(_ context.Context, i int) (int, error) {
		if i == 2 {
			return 0, bad
		}
		return i, nil
	})
	if e := asError(t, err); e.Tasks()[0] != "task-3" {
		t.Errorf("Map: items[2]'s failure named %q; want task-3", e.Tasks()[0])
	}
}

// Under Supervise, Map returns its slice beside the error whatever ended
// the items (DESIGN.md section 3: "the slice comes back beside the *Error"):
// a failed item's slot, and one cut off by the deadline, hold the zero
// value. It used to return a nil slice when an item was cut off.
func TestMapUnderSuperviseReturnsTheSliceBesideAnyError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bad := errors.New("bad item")
		fn := func(ctx context.Context, x int) (int, error) {
			switch x {
			case 0:
				return 0, bad
			case 1:
				return 1, nil
			case 3:
				runtime.Goexit() // a failure
			}
			return x, scope.Sleep(ctx, time.Hour) // cut off by the deadline
		}
		for _, c := range []struct {
			items []int
			want  string
			err   error
		}{
			{[]int{0, 1, 2}, "[0 1 0]", bad},                 // a failure and a cut-off item
			{[]int{1, 2}, "[1 0]", context.DeadlineExceeded}, // a cut-off item, no failure
			{[]int{0, 1}, "[0 1]", bad},                      // every item ended
			{[]int{1, 3}, "[1 0]", scope.ErrGoexit},          // a Goexit
		} {
			got, err := scope.Map(bg, c.items, fn, scope.Supervise(), scope.WithTimeout(time.Minute))
			if fmt.Sprint(got) != c.want || !errors.Is(err, c.err) {
				t.Errorf("Map(%v) under Supervise = %v, %v; want %s beside %v", c.items, got, err, c.want, c.err)
			}
			if c.err == context.DeadlineExceeded && err != context.DeadlineExceeded {
				t.Errorf("Map(%v) = %v; want the deadline itself, no failure", c.items, err)
			}
		}
		atTheDeadline := func(ctx context.Context, x int) (int, error) { return x, scope.Sleep(ctx, time.Minute) }
		got, err := scope.Map(bg, []int{4, 5}, atTheDeadline, scope.Supervise(), scope.WithTimeout(time.Minute))
		if fmt.Sprint(got) != "[4 5]" || err != context.DeadlineExceeded {
			t.Errorf("Map with every item ending as the deadline comes = %v, %v; want [4 5] beside the deadline", got, err)
		}
	})
}

// Of successes at one instant of fake time, Race returns the first
// function's, every time, not the one the bubble ran first.
func TestRaceTieGoesToTheFirstFunction(t *testing.T) {
	for range 1000 {
		synctest.Test(t, func(t *testing.T) {
			v, err := scope.Race(bg, after(time.Second, 1), after(time.Second, 2))
			if v != 1 || err != nil {
				t.Fatalf("Race = %v, %v; want 1, the first function's", v, err)
			}
		})
	}
}
