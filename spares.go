package scope

import "sync/atomic"

// spares keeps a few idle values for reuse, so that a wait allocates nothing
// in steady state: a Queue's waiters, the wakes of tasks waiting for the
// limit. Its slots are swapped atomically, not taken under the owner's mutex,
// which the woken goroutine putting its value back would otherwise take a
// second time. A value is put back only once nothing else refers to it, and
// clean: a waiter's or a wake's channel empty.
type spares[T any] [8]atomic.Pointer[T]

// get returns a spare value, or nil if there is none: make one.
func (s *spares[T]) get() *T {
	for i := range s {
		if v := s[i].Swap(nil); v != nil {
			return v
		}
	}
	return nil
}

// put keeps v if a slot is free, and drops it otherwise.
func (s *spares[T]) put(v *T) {
	for i := range s {
		if s[i].CompareAndSwap(nil, v) {
			return
		}
	}
}
