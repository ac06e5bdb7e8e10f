package scope

import (
	"context"
	"testing"
)

// closing opens the window in which the scope is closed (under s.mu) and
// its context not yet cancelled (closeOutside, after unlocking), as the
// last task's finish or Wait leaves it for a moment.
func closing(t *testing.T) (*Scope, context.Context) {
	s, ctx := New(context.Background())
	s.mu.Lock()
	s.waited = true
	s.close()
	s.mu.Unlock()
	if ctx.Err() != nil {
		t.Fatal("the context is done before closeOutside; the window is gone")
	}
	t.Cleanup(func() {
		s.closeOutside()
		if err := s.Wait(); err != nil {
			t.Error(err)
		}
	})
	return s, ctx
}

// A Cancel or a refused TryGo in that window returns with the context done,
// as everywhere else: the window is not seen.
func TestClosingScopeIsCancelledForWhoeverFindsItClosed(t *testing.T) {
	s, ctx := closing(t)
	s.Cancel(nil)
	if ctx.Err() == nil {
		t.Error("Cancel returned with the context live")
	}
	s, ctx = closing(t)
	if s.TryGo(func(context.Context) error { return nil }) || ctx.Err() == nil {
		t.Error("TryGo on a closing scope: want false, with the context done")
	}
}
