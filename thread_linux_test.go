package scope_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"

	"github.com/structuredgo/scope"
)

// A task under a limit may run on the goroutine of the task before it, and
// so on the thread that task locked and left locked; a scope without a
// limit starts a goroutine for every task, so a thread left locked ends with
// its task, as the runtime promises, and the next task never runs on it
// (WithLimit's doc says so, and how to get the second from the first).
func TestAThreadLeftLockedEndsWithItsTaskOnlyWithoutALimit(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []scope.Option
		same bool
	}{
		{"limit", []scope.Option{scope.WithLimit(1)}, true},
		{"no limit", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var first, second int
			err := scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
				var err error
				first, err = scope.Spawn(s, func(context.Context) (int, error) {
					runtime.LockOSThread() // and never unlocked
					return syscall.Gettid(), nil
				}).Wait(ctx)
				if err != nil {
					return err
				}
				second, err = scope.Spawn(s, func(context.Context) (int, error) {
					return syscall.Gettid(), nil
				}).Wait(ctx)
				return err
			}, c.opts...)
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			if same := first == second; same != c.same {
				t.Errorf("the second task ran on the thread the first left locked: %v; want %v", same, c.same)
			}
		})
	}
}
