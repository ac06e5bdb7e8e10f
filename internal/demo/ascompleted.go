package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/lines"
)

// coro is the seed notes' coro(seq): an 'IO' wait proportional to the
// largest element (that many units), then the list reversed.
func coro(seq []int, unit time.Duration) func(context.Context) ([]int, error) {
	return func(ctx context.Context) ([]int, error) {
		if err := scope.Sleep(ctx, time.Duration(slices.Max(seq))*unit); err != nil {
			return nil, err
		}
		r := slices.Clone(seq)
		slices.Reverse(r)
		return r, nil
	}
}

// AsCompleted is the seed notes' three programs over coro([3, 2, 1]) and
// coro([10, 5, 0]): create_task and await it; create two tasks and gather
// them (ten units, not thirteen); and as_completed, which hands over the
// result of the short one first. It prints what Python prints, lists and
// booleans in Python's spelling, the task's type restored.
func AsCompleted(ctx context.Context, w io.Writer, unit time.Duration) error {
	w = lines.Locked(w)
	clock := func() string { return time.Now().Format(clock) }
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		t := scope.Spawn(s, coro([]int{3, 2, 1}, unit)) // t = asyncio.create_task(coro([3, 2, 1]))
		if _, err := t.Wait(ctx); err != nil {          // await t
			return err
		}
		_, err := t.Result()
		// Python prints t: type <class '_asyncio.Task'>; the seed lost
		// the <class '...'> to the HTML stripping. The line keeps its form,
		// with Go's type.
		fmt.Fprintf(w, "t: type <class '%T'>\n", t)
		fmt.Fprintf(w, "t done: %s\n", pyBool(err != scope.ErrNotDone))

		t1 := scope.Spawn(s, coro([]int{3, 2, 1}, unit))
		t2 := scope.Spawn(s, coro([]int{10, 5, 0}, unit))
		fmt.Fprintln(w, "Start:", clock())
		a, err := scope.Gather(ctx, t1.Wait, t2.Wait) // a = await asyncio.gather(t, t2)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, "End:", clock()) // Should be 10 seconds
		fmt.Fprintf(w, "Both tasks done: %s\n", pyBool(done(t1) && done(t2)))
		fmt.Fprintln(w, pyList(a))

		t1 = scope.Spawn(s, coro([]int{3, 2, 1}, unit))
		t2 = scope.Spawn(s, coro([]int{10, 5, 0}, unit))
		fmt.Fprintln(w, "Start:", clock())
		for res := range scope.AsCompleted(ctx, t1.Wait, t2.Wait) { // for res in asyncio.as_completed((t, t2))
			if res.Err != nil {
				return res.Err
			}
			fmt.Fprintf(w, "res: %s completed at %s\n", pyList(res.Value), clock())
		}
		fmt.Fprintln(w, "End:", clock())
		fmt.Fprintf(w, "Both tasks done: %s\n", pyBool(done(t1) && done(t2)))
		return nil
	})
}

func done[T any](t *scope.Task[T]) bool {
	_, err := t.Result()
	return err != scope.ErrNotDone
}

// pyBool and pyList print as Python does: True, [1, 2, 3], [[1, 2], [3]].
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func pyList[T any](xs []T) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		switch v := any(x).(type) {
		case []int:
			parts[i] = pyList(v)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
